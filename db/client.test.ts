import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DatabaseOpenError, openDatabase, redactUrl } from "./client";

const dir = mkdtempSync(path.join(tmpdir(), "cairn-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the embedded database's lock", () => {
  it("refuses a folder another live process holds, naming that process", async () => {
    const holder = spawn("sleep", ["30"]);
    try {
      const dataDir = path.join(dir, "held");
      writeFileSync(`${dataDir}.lock`, String(holder.pid));
      const err = await openDatabase({ kind: "pglite", dataDir }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DatabaseOpenError);
      expect((err as Error).message).toContain(`in use by process ${holder.pid}`);
    } finally {
      holder.kill();
    }
  });

  it("takes over a lock left by a process that no longer exists", async () => {
    const dataDir = path.join(dir, "stale");
    const gone = spawn("true");
    await new Promise((r) => gone.on("exit", r));
    writeFileSync(`${dataDir}.lock`, String(gone.pid));
    const database = await openDatabase({ kind: "pglite", dataDir });
    await database.close();
  });
});

describe("redactUrl", () => {
  it("drops the password and keeps the rest", () => {
    expect(redactUrl("postgres://cairn:s3cret@db.example:5432/cairn")).toBe(
      "postgres://cairn@db.example:5432/cairn",
    );
  });
});
