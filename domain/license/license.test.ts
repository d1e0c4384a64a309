import { CompactSign, base64url } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { LicenseClaims } from "../model";
import {
  InvalidLicenseClaimsError,
  decodeLicense,
  generateLicenseKeyPair,
  issueLicense,
  licenseKeyId,
  publicPartOf,
  verifyLicense,
  type LicenseKeyPair,
  type TrustedLicenseKeys,
} from "./license";
import { TRUSTED_LICENSE_KEYS, trustedLicenseKeys } from "./trusted-keys";

const DAY = 86_400;
// 2026-03-01T00:00:00Z
const T0 = 1_772_323_200;

const claims: LicenseClaims = {
  customer: "Acme Cloud 有限公司",
  licenseId: "lic-2026-0001",
  issuedAt: T0,
  notBefore: T0,
  expiresAt: T0 + 365 * DAY,
  maxNodes: 48,
  maxCpuSockets: 96,
  maxRegions: 2,
  features: ["multi-region", "hci"],
};

let issuer: LicenseKeyPair;
let other: LicenseKeyPair;
let trusted: TrustedLicenseKeys;
const at = (seconds: number) => seconds * 1000;

beforeAll(async () => {
  issuer = await generateLicenseKeyPair();
  other = await generateLicenseKeyPair();
  trusted = { [issuer.kid]: issuer.publicJwk };
});

/** Signs an arbitrary header and payload with the issuer key, bypassing issueLicense's checks. */
async function signRaw(header: Record<string, unknown>, payload: unknown): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "EdDSA", typ: "cairn-license+jwt", ...header })
    .sign(issuer.privateJwk);
}

function jwtPayload(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    sub: claims.customer,
    jti: claims.licenseId,
    iat: claims.issuedAt,
    nbf: claims.notBefore,
    exp: claims.expiresAt,
    max_nodes: claims.maxNodes,
    max_cpu_sockets: claims.maxCpuSockets,
    max_regions: claims.maxRegions,
    features: claims.features,
    ...overrides,
  };
}

describe("key pairs", () => {
  it("derives kid from the public key thumbprint and keeps d only in the private half", async () => {
    expect(issuer.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await licenseKeyId(issuer.publicJwk)).toBe(issuer.kid);
    expect(issuer.publicJwk).not.toHaveProperty("d");
    expect(issuer.privateJwk).toHaveProperty("d");
    expect(issuer.publicJwk).toMatchObject({ kty: "OKP", crv: "Ed25519", kid: issuer.kid });
    expect(publicPartOf(issuer.privateJwk)).toEqual(issuer.publicJwk);
    expect(other.kid).not.toBe(issuer.kid);
  });
});

describe("verifyLicense", () => {
  it("accepts a license inside its validity window and returns the claims", async () => {
    const token = await issueLicense(claims, issuer.privateJwk, issuer.kid);
    const result = await verifyLicense(token, trusted, at(T0 + 10 * DAY));
    expect(result).toEqual({ ok: true, claims, kid: issuer.kid });
  });

  it("maps claims to registered JWT claims and names the key and type in the header", async () => {
    const token = await issueLicense(claims, issuer.privateJwk, issuer.kid);
    const decoded = decodeLicense(token);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.decoded.header).toEqual({
      alg: "EdDSA",
      typ: "cairn-license+jwt",
      kid: issuer.kid,
    });
    expect(decoded.decoded.payload).toEqual(jwtPayload({}));
  });

  it("reports bad-signature when the payload was altered", async () => {
    const token = await issueLicense(claims, issuer.privateJwk, issuer.kid);
    const [h, , s] = token.split(".");
    const forged = base64url.encode(JSON.stringify(jwtPayload({ max_nodes: 5000 })));
    const result = await verifyLicense(`${h}.${forged}.${s}`, trusted, at(T0 + DAY));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.code).toBe("bad-signature");
    expect(result.reason.params.kid).toBe(issuer.kid);
    expect(result.reason.message.en).toContain(issuer.kid);
  });

  it("reports bad-signature when another key signed under a trusted kid", async () => {
    const token = await issueLicense(claims, other.privateJwk, issuer.kid);
    const result = await verifyLicense(token, trusted, at(T0 + DAY));
    expect(!result.ok && result.reason.code).toBe("bad-signature");
  });

  it("reports unknown-key, naming the key, when the issuer key is not trusted", async () => {
    const token = await issueLicense(claims, other.privateJwk, other.kid);
    const result = await verifyLicense(token, trusted, at(T0 + DAY));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.code).toBe("unknown-key");
    expect(result.reason.params).toMatchObject({ kid: other.kid, trusted: issuer.kid });
    expect(result.reason.message["zh-CN"]).toContain(other.kid);
  });

  it("reports expired with the expiry date, from the expiry second on", async () => {
    const token = await issueLicense(claims, issuer.privateJwk, issuer.kid);
    const lastMoment = await verifyLicense(token, trusted, at(claims.expiresAt) - 1);
    expect(lastMoment.ok).toBe(true);
    const result = await verifyLicense(token, trusted, at(claims.expiresAt + 3 * DAY));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.code).toBe("expired");
    expect(result.reason.params).toMatchObject({ expiresAt: "2027-03-01T00:00:00.000Z", days: 3 });
    expect(result.reason.message.en).toBe(
      "The license expired on 2027-03-01T00:00:00.000Z (3 day(s) ago).",
    );
    expect(result.reason.message["zh-CN"]).toBe(
      "许可证已于 2027-03-01T00:00:00.000Z 过期（3 天前）。",
    );
    expect(result.reason.hint.en).toContain("lic-2026-0001");
  });

  it("reports not-yet-valid with the start date, tolerating 5 minutes of issuer clock skew", async () => {
    const future = { ...claims, notBefore: T0 + 30 * DAY };
    const token = await issueLicense(future, issuer.privateJwk, issuer.kid);
    const early = await verifyLicense(token, trusted, at(T0));
    expect(early.ok).toBe(false);
    if (early.ok) return;
    expect(early.reason.code).toBe("not-yet-valid");
    expect(early.reason.params.notBefore).toBe("2026-03-31T00:00:00.000Z");
    expect(early.reason.params.now).toBe("2026-03-01T00:00:00.000Z");
    expect(early.reason.message.en).toContain("2026-03-31T00:00:00.000Z");
    expect((await verifyLicense(token, trusted, at(future.notBefore - 299))).ok).toBe(true);
    const strict = await verifyLicense(token, trusted, at(future.notBefore - 1), {
      notBeforeToleranceSeconds: 0,
    });
    expect(!strict.ok && strict.reason.code).toBe("not-yet-valid");
  });

  it.each([
    ["not text", 42, "not-a-string", "it is not text"],
    ["two parts", "abc.def", "parts", "it has 2 part(s) separated by dots, a license has 3"],
    ["four parts", "a.b.c.d", "parts", "it has 4 part(s)"],
    ["empty signature", "eyJhbGciOiJFZERTQSJ9.e30.", "empty-part", "the signature part is empty"],
    ["bad base64 header", "ab+c.e30.AAAA", "base64", "the header part is not base64url text"],
    [
      "bad base64 payload",
      "eyJhbGciOiJFZERTQSJ9.e3!.AAAA",
      "base64",
      "the payload part is not base64url",
    ],
    [
      "header not JSON",
      `${base64url.encode("not json")}.e30.AAAA`,
      "header-json",
      "the header is not a JSON object",
    ],
    [
      "alg none",
      `${base64url.encode('{"alg":"none","kid":"k"}')}.e30.AAAA`,
      "alg",
      'the signing algorithm is "none", a license uses "EdDSA"',
    ],
    ["alg HS256", `${base64url.encode('{"alg":"HS256","kid":"k"}')}.e30.AAAA`, "alg", '"HS256"'],
    [
      "missing kid",
      `${base64url.encode('{"alg":"EdDSA","typ":"cairn-license+jwt"}')}.e30.AAAA`,
      "kid",
      "names no issuer key (kid)",
    ],
    [
      "missing typ",
      `${base64url.encode('{"alg":"EdDSA","kid":"k"}')}.e30.AAAA`,
      "typ-missing",
      'the header does not say it is a license (typ "cairn-license+jwt")',
    ],
    [
      "wrong typ",
      `${base64url.encode('{"alg":"EdDSA","kid":"k","typ":"JWT"}')}.e30.AAAA`,
      "typ",
      'the token type is "JWT"',
    ],
  ])("reports malformed (%s) saying what", async (_label, token, check, what) => {
    const result = await verifyLicense(token, trusted, at(T0));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.code).toBe("malformed");
    expect(result.reason.params.check).toBe(check);
    expect(result.reason.message.en).toContain(what);
    expect(result.reason.message["zh-CN"]).toMatch(/^许可证格式错误：.+。$/);
    expect(result.reason.message["zh-CN"]).not.toContain("{");
  });

  it("says which part is malformed in Chinese too", async () => {
    const result = await verifyLicense("eyJhbGciOiJFZERTQSJ9.e3!.AAAA", trusted, at(T0));
    expect(!result.ok && result.reason.message["zh-CN"]).toBe(
      "许可证格式错误：载荷部分不是 base64url 文本。",
    );
  });

  it("reports a signed payload that is not a JSON object as malformed", async () => {
    const token = await signRaw({ kid: issuer.kid }, [1, 2, 3]);
    const result = await verifyLicense(token, trusted, at(T0));
    expect(!result.ok && result.reason.params.check).toBe("payload-json");
  });

  it.each([
    ["missing expiry", { exp: undefined }, "exp (expiresAt)", "exp (expiresAt) is missing"],
    [
      "zero nodes",
      { max_nodes: 0 },
      "max_nodes (maxNodes)",
      "max_nodes (maxNodes) must be a whole number of at least 1 (found 0)",
    ],
    [
      "fractional sockets",
      { max_cpu_sockets: 1.5 },
      "max_cpu_sockets (maxCpuSockets)",
      "(found 1.5)",
    ],
    [
      "empty customer",
      { sub: "  " },
      "sub (customer)",
      'sub (customer) must be non-empty text (found "  ")',
    ],
    [
      "features not a list",
      { features: "hci" },
      "features",
      "features must be a list of feature names",
    ],
    [
      "iat as a date string",
      { iat: "2026-03-01" },
      "iat (issuedAt)",
      "whole number of seconds since 1970",
    ],
  ])(
    "reports invalid-claims (%s) naming the claim and problem",
    async (_label, overrides, claim, text) => {
      const token = await signRaw(
        { kid: issuer.kid, typ: "cairn-license+jwt" },
        jwtPayload(overrides),
      );
      const result = await verifyLicense(token, trusted, at(T0 + DAY));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.reason.code).toBe("invalid-claims");
      expect(result.reason.params.claims).toBe(claim);
      expect(result.reason.message.en).toContain(text);
    },
  );

  it("lists every invalid claim at once and checks that expiry follows the start", async () => {
    const both = await signRaw(
      { kid: issuer.kid },
      jwtPayload({ max_nodes: -1, max_regions: undefined }),
    );
    const result = await verifyLicense(both, trusted, at(T0 + DAY));
    expect(!result.ok && result.reason.params.claims).toBe(
      "max_nodes (maxNodes), max_regions (maxRegions)",
    );
    const backwards = await signRaw({ kid: issuer.kid }, jwtPayload({ exp: T0 - DAY }));
    const r2 = await verifyLicense(backwards, trusted, at(T0 + DAY));
    expect(!r2.ok && r2.reason.message.en).toBe(
      "The license content is invalid: the expiry exp (2026-02-28T00:00:00.000Z) must be later than the start nbf (2026-03-01T00:00:00.000Z).",
    );
    expect(!r2.ok && r2.reason.message["zh-CN"]).toContain(
      "到期时间 exp（2026-02-28T00:00:00.000Z）必须晚于",
    );
  });

  it("treats an absent feature list as no features", async () => {
    const token = await signRaw({ kid: issuer.kid }, jwtPayload({ features: undefined }));
    const result = await verifyLicense(token, trusted, at(T0 + DAY));
    expect(result.ok && result.claims.features).toEqual([]);
  });
});

describe("issueLicense", () => {
  it("refuses claims that could never verify", async () => {
    await expect(
      issueLicense({ ...claims, maxNodes: 0 }, issuer.privateJwk, issuer.kid),
    ).rejects.toBeInstanceOf(InvalidLicenseClaimsError);
    await expect(
      issueLicense({ ...claims, expiresAt: claims.notBefore }, issuer.privateJwk, issuer.kid),
    ).rejects.toThrow(/must be later than the start/);
  });
});

describe("trusted keys", () => {
  it("ships the dev issuer key labelled dev, with a kid that is its thumbprint", async () => {
    const dev = TRUSTED_LICENSE_KEYS.filter((k) => k.label === "dev");
    expect(dev).toHaveLength(1);
    for (const key of TRUSTED_LICENSE_KEYS) {
      expect(key.publicJwk).not.toHaveProperty("d");
      expect(await licenseKeyId(key.publicJwk)).toBe(key.kid);
    }
  });

  it("leaves dev keys out unless asked", () => {
    const devKid = TRUSTED_LICENSE_KEYS.find((k) => k.label === "dev")?.kid ?? "";
    expect(trustedLicenseKeys({ includeDev: true })).toHaveProperty(devKid);
    expect(trustedLicenseKeys({ includeDev: false })).not.toHaveProperty(devKid);
  });
});
