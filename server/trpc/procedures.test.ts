import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAudit } from "../../db/queries/audit";
import type { Database } from "../../db/client";
import { testDatabases } from "../../test/databases";
import type { SessionUser } from "../auth";
import { toCairnError, type Context } from "./init";
import { createCaller } from "./root";

const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "A", role: "admin" };
const operator: SessionUser = { id: "u-op", email: "op@example.com", name: "O", role: "operator" };
const viewer: SessionUser = { id: "u-view", email: "view@example.com", name: "V", role: "viewer" };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return toCairnError(e).code;
  }
  throw new Error("expected the call to fail");
}

describe.each(testDatabases())("procedures on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  const as = (user: SessionUser | null) =>
    createCaller({
      headers: new Headers(),
      user,
      openDb: async () => database.db,
    } satisfies Context);

  beforeAll(async () => {
    database = await target.open();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("refuses every data procedure without a session", async () => {
    expect(await codeOf(as(null).region.list({}))).toBe("auth.unauthenticated");
    expect(await codeOf(as(null).cluster.create({} as never))).toBe("auth.unauthenticated");
  });

  it("lets a viewer read but not create, and audits the refusal", async () => {
    const region = await as(operator).region.create({ name: "dc-view", displayName: "V" });
    expect((await as(viewer).region.list({})).items.map((r) => r.name)).toContain("dc-view");
    const refused = as(viewer).cluster.create({
      regionId: region.id,
      name: "c1",
      displayName: "c1",
      kind: "split",
      releaseId: "cairn-2026.1",
    });
    expect(await codeOf(refused)).toBe("auth.forbidden");
    const audit = await listAudit(database.db, { limit: 10 });
    expect(audit.find((a) => a.action === "cluster.create")).toMatchObject({
      actorEmail: viewer.email,
      outcome: "error",
      errorCode: "auth.forbidden",
    });
    expect((await as(operator).cluster.list({ regionId: region.id })).items).toHaveLength(0);
  });

  it("keeps user management to administrators", async () => {
    expect(await codeOf(as(operator).user.list())).toBe("auth.forbidden");
    expect(await as(admin).user.list()).toEqual([]);
  });

  it("audits successful mutations with who, what and target", async () => {
    const region = await as(operator).region.create({ name: "dc-audit", displayName: "Audit" });
    const [latest] = await listAudit(database.db, { limit: 1 });
    expect(latest).toMatchObject({
      actorEmail: operator.email,
      action: "region.create",
      target: "dc-audit",
      outcome: "ok",
    });
    await as(operator).region.update({ id: region.id, displayName: "Audit 2" });
    const [after] = await listAudit(database.db, { limit: 1 });
    expect(after).toMatchObject({ action: "region.update", target: region.id, outcome: "ok" });
  });

  it("names the invalid field in both languages", async () => {
    try {
      await as(operator).region.create({ name: "Bad_Name", displayName: "" });
      expect.unreachable();
    } catch (e) {
      const err = toCairnError(e);
      expect(err.code).toBe("input.invalid");
      expect(err.fields?.map((f) => f.path).sort()).toEqual(["displayName", "name"]);
      const name = err.fields?.find((f) => f.path === "name");
      expect(name?.message.en).toMatch(/lowercase letters/);
      expect(name?.message["zh-CN"]).toMatch(/小写字母/);
    }
  });
});
