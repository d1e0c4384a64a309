import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { licenseKeyId } from "../domain/license/license";
import {
  LicenseCliError,
  formatInspect,
  inspect,
  issue,
  keygen,
  pickLocale,
  registerLicenseCommand,
} from "./license";

const DEV_KEY = join(import.meta.dirname, "..", "e2e", "fixtures", "dev-issuer.private.jwk");
// 2026-03-01T00:00:00Z
const NOW = Date.UTC(2026, 2, 1);
const DAY_MS = 86_400_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cairn-license-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const base = { customer: "Acme", nodes: 48, sockets: 96, regions: 2, days: 365, now: NOW };

async function expectCliError(promise: Promise<unknown>, exitCode: number, text: RegExp) {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LicenseCliError);
  expect((error as LicenseCliError).exitCode).toBe(exitCode);
  expect((error as LicenseCliError).text.en).toMatch(text);
  expect((error as LicenseCliError).text["zh-CN"]).not.toMatch(/\{\w+\}/);
}

describe("keygen → issue → inspect", () => {
  it("round-trips a license through files with a freshly generated issuer key", async () => {
    const keys = await keygen({ out: join(dir, "vendor"), name: "acme-issuer" });
    expect(keys.privatePath).toBe(join(dir, "vendor", "acme-issuer.private.jwk"));
    expect((await stat(keys.privatePath)).mode & 0o777).toBe(0o600);
    const publicJwk = JSON.parse(await readFile(keys.publicPath, "utf8")) as Record<string, string>;
    expect(publicJwk).not.toHaveProperty("d");
    expect(await licenseKeyId(publicJwk)).toBe(keys.kid);

    const out = join(dir, "acme.lic");
    const issued = await issue({
      ...base,
      key: keys.privatePath,
      features: ["hci", "multi-region", "hci"],
      notBefore: "2026-03-02T00:00:00Z",
      licenseId: "lic-acme-1",
      out,
    });
    expect(issued.kid).toBe(keys.kid);
    expect(issued.claims).toEqual({
      customer: "Acme",
      licenseId: "lic-acme-1",
      issuedAt: NOW / 1000,
      notBefore: NOW / 1000 + 86_400,
      expiresAt: NOW / 1000 + 86_400 * 366,
      maxNodes: 48,
      maxCpuSockets: 96,
      maxRegions: 2,
      features: ["hci", "multi-region"],
    });
    expect((await readFile(out, "utf8")).trim()).toBe(issued.token);

    const untrusted = await inspect({ input: out, now: NOW + 10 * DAY_MS });
    expect(!untrusted.verification.ok && untrusted.verification.reason.code).toBe("unknown-key");
    // The claims are shown even when the license does not verify.
    expect(untrusted.decoded?.payload?.sub).toBe("Acme");

    const trusted = await inspect({ input: out, trust: [keys.publicPath], now: NOW + 10 * DAY_MS });
    expect(trusted.verification).toEqual({ ok: true, kid: keys.kid, claims: issued.claims });
    const text = formatInspect(trusted, "en");
    expect(text).toContain("Max nodes        48");
    expect(text).toContain(`Verification: valid, signed by issuer key ${keys.kid}.`);
  });

  it("refuses to overwrite an existing issuer key unless forced", async () => {
    const out = join(dir, "twice");
    const first = await keygen({ out });
    await expectCliError(keygen({ out }), 2, /already exists; refusing to overwrite an issuer key/);
    expect(await readFile(first.privatePath, "utf8")).toContain(first.kid);
    const forced = await keygen({ out, force: true });
    expect(forced.kid).not.toBe(first.kid);
  });

  it("verifies licenses from the dev issuer fixture against the built-in trusted keys", async () => {
    const out = join(dir, "dev.lic");
    await issue({ ...base, key: DEV_KEY, out });
    const result = await inspect({ input: out, now: NOW + DAY_MS });
    expect(result.verification.ok).toBe(true);
    expect(formatInspect(result, "en")).toContain("(cairn-dev, development and test only)");
    expect(formatInspect(result, "zh-CN")).toContain("校验结果：有效");
    const strict = await inspect({ input: out, now: NOW + DAY_MS, includeDevKeys: false });
    expect(!strict.verification.ok && strict.verification.reason.code).toBe("unknown-key");
  });

  it("reports an expired license with its date when inspected later", async () => {
    const out = join(dir, "short.lic");
    await issue({ ...base, days: 30, key: DEV_KEY, out });
    const result = await inspect({ input: out, now: NOW + 40 * DAY_MS });
    expect(!result.verification.ok && result.verification.reason.params.expiresAt).toBe(
      "2026-03-31T00:00:00.000Z",
    );
    expect(formatInspect(result, "en")).toContain(
      "Verification: FAILED (expired). The license expired on 2026-03-31T00:00:00.000Z (10 day(s) ago).",
    );
  });

  it("reads the license from standard input with -", async () => {
    const { token } = await issue({ ...base, key: DEV_KEY });
    const result = await inspect({ input: "-", now: NOW, readStdin: async () => `\n${token}\n` });
    expect(result.verification.ok).toBe(true);
  });
});

describe("issue: only key holders can issue", () => {
  it("says the key file is missing", async () => {
    await expectCliError(
      issue({ ...base, key: join(dir, "nope.jwk") }),
      2,
      /Cannot read the key file .*nope\.jwk: the file does not exist/,
    );
  });

  it("refuses a public key", async () => {
    const keys = await keygen({ out: join(dir, "pub") });
    await expectCliError(
      issue({ ...base, key: keys.publicPath }),
      2,
      /is not an Ed25519 private key/,
    );
  });

  it("refuses a file that is not JSON, and a key whose stated kid is not its own", async () => {
    const garbage = join(dir, "garbage.jwk");
    await writeFile(garbage, "-----BEGIN PRIVATE KEY-----\n");
    await expectCliError(issue({ ...base, key: garbage }), 2, /is not JSON/);
    const edited = join(dir, "edited.jwk");
    const jwk = JSON.parse(await readFile(DEV_KEY, "utf8")) as Record<string, string>;
    await writeFile(edited, JSON.stringify({ ...jwk, kid: "someone-else" }));
    await expectCliError(
      issue({ ...base, key: edited }),
      2,
      /says its kid is someone-else, but the key's thumbprint is/,
    );
  });

  it("rejects a bad start date and invalid claims before signing", async () => {
    await expectCliError(
      issue({ ...base, key: DEV_KEY, notBefore: "next tuesday" }),
      2,
      /--not-before must be an ISO 8601 date/,
    );
    await expectCliError(
      issue({ ...base, key: DEV_KEY, customer: " " }),
      2,
      /^Not issued: .*sub \(customer\) must be non-empty text/,
    );
  });
});

describe("commands", () => {
  function program() {
    const p = new Command("cairn")
      .exitOverride()
      .configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerLicenseCommand(p);
    return p;
  }

  async function runCommand(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation(
      (chunk) => (out.push(String(chunk)), true),
    );
    vi.spyOn(process.stderr, "write").mockImplementation(
      (chunk) => (err.push(String(chunk)), true),
    );
    let code: number;
    try {
      await program().parseAsync(["node", "cairn", ...args]);
      code = typeof process.exitCode === "number" ? process.exitCode : 0;
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error;
      code = error.exitCode;
    }
    vi.restoreAllMocks();
    return { code, out: out.join(""), err: err.join("") };
  }

  it("exits 0 for a valid license, 1 for a tampered one, 2 for an unreadable file", async () => {
    const out = join(dir, "cmd.lic");
    expect(
      (
        await runCommand([
          "license",
          "issue",
          "--key",
          DEV_KEY,
          "--customer",
          "Acme",
          "--nodes",
          "3",
          "--sockets",
          "6",
          "--regions",
          "1",
          "--days",
          "30",
          "--out",
          out,
        ])
      ).code,
    ).toBe(0);
    const ok = await runCommand(["license", "inspect", out]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("Max nodes        3");

    const [h, , s] = (await readFile(out, "utf8")).trim().split(".");
    const forged = Buffer.from(JSON.stringify({ sub: "Acme", max_nodes: 300 })).toString(
      "base64url",
    );
    const tampered = join(dir, "tampered.lic");
    await writeFile(tampered, `${h}.${forged}.${s}`);
    const bad = await runCommand(["license", "inspect", tampered, "--lang", "zh-CN"]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("校验结果：失败（bad-signature）");

    const missing = await runCommand(["license", "inspect", join(dir, "missing.lic")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("the file does not exist");
  });

  it("prints JSON with the precise reason", async () => {
    const out = join(dir, "json.lic");
    await issue({ ...base, key: DEV_KEY, out });
    const result = await runCommand([
      "license",
      "inspect",
      out,
      "--json",
      "--at",
      "2030-01-01T00:00:00Z",
    ]);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.out) as {
      verification: { ok: boolean; code: string; params: Record<string, unknown> };
    };
    expect(parsed.verification).toMatchObject({
      ok: false,
      code: "expired",
      params: { expiresAt: "2027-03-01T00:00:00.000Z" },
    });
  });

  it("rejects a non-positive node count as a usage error", async () => {
    const result = await runCommand([
      "license",
      "issue",
      "--key",
      DEV_KEY,
      "--customer",
      "A",
      "--nodes",
      "0",
      "--sockets",
      "1",
      "--regions",
      "1",
      "--days",
      "1",
    ]);
    expect(result.code).not.toBe(0);
    expect(result.out).toBe("");
  });
});

describe("pickLocale", () => {
  it.each([
    ["zh-CN", {}, "zh-CN"],
    [undefined, { CAIRN_LANG: "zh-CN" }, "zh-CN"],
    [undefined, { LANG: "zh_CN.UTF-8" }, "zh-CN"],
    [undefined, { LANG: "en_US.UTF-8" }, "en"],
    [undefined, {}, "en"],
  ] as const)("--lang %s with env %o → %s", (option, env, expected) => {
    expect(pickLocale(option, env)).toBe(expected);
  });

  it("rejects an unknown language", () => {
    expect(() => pickLocale("fr", {})).toThrow(/use en or zh-CN/);
  });
});
