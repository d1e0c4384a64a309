/**
 * Licenses: a compact JWS signed with EdDSA (Ed25519). Only holders of an issuer's private key can
 * issue; anyone holding the public key can verify. Verification reports exactly which check failed
 * (the brief: "a valid license upload sometimes failed: the error must say exactly which check
 * failed"), so the checks run one by one here instead of inside jose's all-in-one `jwtVerify`.
 *
 * Claim mapping (registered JWT claims where one fits, snake_case private claims otherwise):
 *   customer → sub, licenseId → jti, issuedAt → iat, notBefore → nbf, expiresAt → exp,
 *   maxNodes → max_nodes, maxCpuSockets → max_cpu_sockets, maxRegions → max_regions,
 *   features → features.
 * Header: `{alg: "EdDSA", typ: "cairn-license+jwt", kid: <RFC 7638 thumbprint of the issuer key>}`.
 * The `typ` keeps a token signed by the same key for another purpose from passing as a license.
 */
import {
  CompactSign,
  base64url,
  calculateJwkThumbprint,
  compactVerify,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type KeyObject,
} from "jose";
import { localize, type Localized, type Params } from "../i18n";
import { licenseClaimsSchema, type LicenseClaims } from "../model";

export const LICENSE_ALG = "EdDSA";
export const LICENSE_TYP = "cairn-license+jwt";

/**
 * How far the issuer's clock may run ahead of ours for `nbf`. A license issued "now" on a machine
 * whose clock is a minute ahead would otherwise be refused as not yet valid on upload. Expiry gets
 * no tolerance: the date printed on the license is the date it stops working.
 */
export const DEFAULT_NOT_BEFORE_TOLERANCE_SECONDS = 300;

export type LicenseFailureCode =
  "malformed" | "bad-signature" | "unknown-key" | "expired" | "not-yet-valid" | "invalid-claims";

export interface LicenseFailure {
  code: LicenseFailureCode;
  /** Filled with `params`; says which check failed and with what values. */
  message: Localized;
  /** What to do next. */
  hint: Localized;
  params: Params;
}

export type VerifyLicenseResult =
  { ok: true; claims: LicenseClaims; kid: string } | { ok: false; reason: LicenseFailure };

/** Public keys trusted to sign licenses, by key id. */
export type TrustedLicenseKeys = Readonly<Record<string, JWK>>;

/** Both halves of an issuer key as JWKs, each carrying the `kid` licenses will name. */
export interface LicenseKeyPair {
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
}

const TEXT = {
  malformed: {
    message: {
      en: "The license is malformed: {what}.",
      "zh-CN": "许可证格式错误：{what}。",
    },
    hint: {
      en: "Paste the whole license text exactly as you received it (one line, three parts separated by dots).",
      "zh-CN": "请完整粘贴收到的许可证文本（单行，由两个点分隔成三段）。",
    },
  },
  "bad-signature": {
    message: {
      en: "The license signature does not match its content for issuer key {kid}: the license was altered or signed with a different key.",
      "zh-CN": "许可证签名与内容不符（签发密钥 {kid}）：许可证已被修改，或由其他密钥签发。",
    },
    hint: {
      en: "Ask your vendor for a fresh copy of the license; do not edit the license text.",
      "zh-CN": "请向供应商重新索取许可证副本；不要编辑许可证文本。",
    },
  },
  "unknown-key": {
    message: {
      en: "The license was signed with issuer key {kid}, which this installation does not trust (trusted keys: {trusted}).",
      "zh-CN": "许可证由签发密钥 {kid} 签名，本系统不信任该密钥（受信任的密钥：{trusted}）。",
    },
    hint: {
      en: "Ask your vendor for a license signed by a trusted issuer, or add the issuer's public key to the trusted keys.",
      "zh-CN": "请向供应商索取由受信任签发方签名的许可证，或将该签发方的公钥加入受信任密钥。",
    },
  },
  expired: {
    message: {
      en: "The license expired on {expiresAt} ({days} day(s) ago).",
      "zh-CN": "许可证已于 {expiresAt} 过期（{days} 天前）。",
    },
    hint: {
      en: "Ask your vendor to renew license {licenseId} for {customer}.",
      "zh-CN": "请联系供应商为 {customer} 续期许可证 {licenseId}。",
    },
  },
  "not-yet-valid": {
    message: {
      en: "The license is not valid before {notBefore}; this system's clock says {now}.",
      "zh-CN": "许可证在 {notBefore} 之前无效；本系统当前时间为 {now}。",
    },
    hint: {
      en: "Wait until {notBefore}, or check that this system's clock is correct (NTP).",
      "zh-CN": "请等到 {notBefore} 之后再试，或检查本系统时钟是否准确（NTP）。",
    },
  },
  "invalid-claims": {
    message: {
      en: "The license content is invalid: {problems}.",
      "zh-CN": "许可证内容无效：{problems}。",
    },
    hint: {
      en: "The license was issued incorrectly; ask your vendor to issue it again.",
      "zh-CN": "许可证签发有误，请联系供应商重新签发。",
    },
  },
} as const satisfies Record<LicenseFailureCode, { message: Localized; hint: Localized }>;

/** What exactly is malformed; each is a phrase filled into the "malformed" message. */
const MALFORMED = {
  "not-a-string": { en: "it is not text", "zh-CN": "内容不是文本" },
  parts: {
    en: "it has {parts} part(s) separated by dots, a license has 3",
    "zh-CN": "它由点分隔成 {parts} 段，许可证应为 3 段",
  },
  "empty-part": { en: "the {part} part is empty", "zh-CN": "{part}部分为空" },
  base64: {
    en: "the {part} part is not base64url text",
    "zh-CN": "{part}部分不是 base64url 文本",
  },
  "header-json": {
    en: "the header is not a JSON object",
    "zh-CN": "头部不是 JSON 对象",
  },
  "payload-json": {
    en: "the payload is not a JSON object",
    "zh-CN": "载荷不是 JSON 对象",
  },
  alg: {
    en: 'the signing algorithm is "{alg}", a license uses "EdDSA"',
    "zh-CN": "签名算法为“{alg}”，许可证应使用“EdDSA”",
  },
  typ: {
    en: 'the token type is "{typ}", a license is "cairn-license+jwt"',
    "zh-CN": "令牌类型为“{typ}”，许可证应为“cairn-license+jwt”",
  },
  "typ-missing": {
    en: 'the header does not say it is a license (typ "cairn-license+jwt")',
    "zh-CN": "头部未声明其为许可证（typ 应为“cairn-license+jwt”）",
  },
  kid: {
    en: "the header names no issuer key (kid)",
    "zh-CN": "头部未指明签发密钥（kid）",
  },
  crit: {
    en: "the header has critical extensions ({crit}) this system does not understand",
    "zh-CN": "头部包含本系统无法识别的关键扩展（{crit}）",
  },
  signature: {
    en: "the signature cannot be checked ({detail})",
    "zh-CN": "无法校验签名（{detail}）",
  },
} as const satisfies Record<string, Localized>;

const PART_NAMES: Record<"header" | "payload" | "signature", Localized> = {
  header: { en: "header", "zh-CN": "头部" },
  payload: { en: "payload", "zh-CN": "载荷" },
  signature: { en: "signature", "zh-CN": "签名" },
};

/** Per-claim problems; `{claim}` is the JWT claim name with Cairn's name beside it. */
const CLAIM_PROBLEMS = {
  missing: { en: "{claim} is missing", "zh-CN": "缺少 {claim}" },
  "not-string": {
    en: "{claim} must be non-empty text (found {found})",
    "zh-CN": "{claim} 必须是非空文本（实际为 {found}）",
  },
  "not-epoch": {
    en: "{claim} must be a whole number of seconds since 1970 (found {found})",
    "zh-CN": "{claim} 必须是自 1970 年起的整数秒数（实际为 {found}）",
  },
  "not-positive-int": {
    en: "{claim} must be a whole number of at least 1 (found {found})",
    "zh-CN": "{claim} 必须是不小于 1 的整数（实际为 {found}）",
  },
  "not-string-list": {
    en: "{claim} must be a list of feature names (found {found})",
    "zh-CN": "{claim} 必须是功能名称列表（实际为 {found}）",
  },
  "exp-not-after-nbf": {
    en: "the expiry exp ({expiresAt}) must be later than the start nbf ({notBefore})",
    "zh-CN": "到期时间 exp（{expiresAt}）必须晚于生效时间 nbf（{notBefore}）",
  },
} as const satisfies Record<string, Localized>;

type ClaimKind = "string" | "epoch" | "positive-int" | "string-list";

/** Cairn claim → JWT claim. One table, used to write and to read, so the two cannot drift. */
const CLAIMS: readonly { field: keyof LicenseClaims; jwt: string; kind: ClaimKind }[] = [
  { field: "customer", jwt: "sub", kind: "string" },
  { field: "licenseId", jwt: "jti", kind: "string" },
  { field: "issuedAt", jwt: "iat", kind: "epoch" },
  { field: "notBefore", jwt: "nbf", kind: "epoch" },
  { field: "expiresAt", jwt: "exp", kind: "epoch" },
  { field: "maxNodes", jwt: "max_nodes", kind: "positive-int" },
  { field: "maxCpuSockets", jwt: "max_cpu_sockets", kind: "positive-int" },
  { field: "maxRegions", jwt: "max_regions", kind: "positive-int" },
  { field: "features", jwt: "features", kind: "string-list" },
];

/**
 * Builds a failure. `phrases` are parameters that are themselves texts (e.g. *what* is malformed):
 * each locale's message gets that locale's phrase, while `params` keep the English one.
 */
function failure(
  code: LicenseFailureCode,
  params: Params,
  phrases: Record<string, Localized> = {},
): { ok: false; reason: LicenseFailure } {
  const text = TEXT[code];
  const forLocale = (locale: keyof Localized): Params => {
    const filled: Params = { ...params };
    for (const [name, phrase] of Object.entries(phrases)) filled[name] = phrase[locale];
    return filled;
  };
  const en = forLocale("en");
  const zh = forLocale("zh-CN");
  return {
    ok: false,
    reason: {
      code,
      message: { en: localize(text.message, en).en, "zh-CN": localize(text.message, zh)["zh-CN"] },
      hint: { en: localize(text.hint, en).en, "zh-CN": localize(text.hint, zh)["zh-CN"] },
      params: en,
    },
  };
}

function malformed(
  check: keyof typeof MALFORMED,
  params: Params = {},
  part?: keyof typeof PART_NAMES,
): { ok: false; reason: LicenseFailure } {
  const partName = part ? PART_NAMES[part] : { en: "", "zh-CN": "" };
  const what = {
    en: localize(MALFORMED[check], { ...params, part: partName.en }).en,
    "zh-CN": localize(MALFORMED[check], { ...params, part: partName["zh-CN"] })["zh-CN"],
  };
  return failure("malformed", { ...params, check, ...(part ? { part } : {}) }, { what });
}

function isoFromSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodePart(text: string): Uint8Array | null {
  // base64url without padding never has length ≡ 1 (mod 4); reject before decoding.
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  try {
    return base64url.decode(text);
  } catch {
    return null;
  }
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export interface DecodedLicense {
  header: Record<string, unknown> & { alg: string; kid: string };
  /** The payload as found, not verified; `null` when it is not a JSON object. */
  payload: Record<string, unknown> | null;
}

/**
 * Reads a token's structure without checking the signature: enough to show an operator what a
 * license says even when it does not verify. Checks parts, base64url, header JSON, alg, typ, kid.
 */
export function decodeLicense(
  token: unknown,
): { ok: true; decoded: DecodedLicense } | { ok: false; reason: LicenseFailure } {
  if (typeof token !== "string") return malformed("not-a-string");
  const parts = token.trim().split(".");
  if (parts.length !== 3) return malformed("parts", { parts: parts.length });
  const names = ["header", "payload", "signature"] as const;
  const bytes: Uint8Array[] = [];
  for (const [i, name] of names.entries()) {
    const text = parts[i] ?? "";
    if (text === "") return malformed("empty-part", {}, name);
    const decoded = decodePart(text);
    if (!decoded) return malformed("base64", {}, name);
    bytes.push(decoded);
  }
  const header = parseJsonObject(bytes[0] as Uint8Array);
  if (!header) return malformed("header-json");
  if (header.alg !== LICENSE_ALG) return malformed("alg", { alg: String(header.alg ?? "") });
  if (header.typ === undefined) return malformed("typ-missing");
  if (header.typ !== LICENSE_TYP) return malformed("typ", { typ: String(header.typ) });
  if (typeof header.kid !== "string" || header.kid === "") return malformed("kid");
  if (header.crit !== undefined)
    return malformed("crit", {
      crit: Array.isArray(header.crit) ? header.crit.join(", ") : String(header.crit),
    });
  const payload = parseJsonObject(bytes[1] as Uint8Array);
  return {
    ok: true,
    decoded: { header: header as DecodedLicense["header"], payload },
  };
}

interface ClaimProblem {
  key: keyof typeof CLAIM_PROBLEMS;
  params: Params;
}

function claimLabel(field: string, jwt: string): string {
  return field === jwt ? jwt : `${jwt} (${field})`;
}

function checkClaimValue(kind: ClaimKind, value: unknown): ClaimProblem["key"] | null {
  switch (kind) {
    case "string":
      return typeof value === "string" && value.trim() !== "" ? null : "not-string";
    case "epoch":
      return Number.isSafeInteger(value) && (value as number) >= 0 ? null : "not-epoch";
    case "positive-int":
      return Number.isSafeInteger(value) && (value as number) >= 1 ? null : "not-positive-int";
    case "string-list":
      return Array.isArray(value) && value.every((f) => typeof f === "string" && f !== "")
        ? null
        : "not-string-list";
  }
}

/** Maps a JWT payload to claims, listing every problem (not just the first). */
function readClaims(
  payload: Record<string, unknown>,
): { ok: true; claims: LicenseClaims } | { ok: false; problems: ClaimProblem[] } {
  const problems: ClaimProblem[] = [];
  const raw: Record<string, unknown> = {};
  for (const { field, jwt, kind } of CLAIMS) {
    const value = payload[jwt];
    const claim = claimLabel(field, jwt);
    if (value === undefined) {
      // An absent feature list means "no features", as in the schema's default.
      if (kind === "string-list") raw[field] = [];
      else problems.push({ key: "missing", params: { claim } });
      continue;
    }
    const problem = checkClaimValue(kind, value);
    if (problem) problems.push({ key: problem, params: { claim, found: describeValue(value) } });
    else raw[field] = value;
  }
  if (problems.length > 0) return { ok: false, problems };
  const claims = licenseClaimsSchema.parse(raw);
  if (claims.expiresAt <= claims.notBefore)
    problems.push({
      key: "exp-not-after-nbf",
      params: {
        expiresAt: isoFromSeconds(claims.expiresAt),
        notBefore: isoFromSeconds(claims.notBefore),
      },
    });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, claims };
}

function invalidClaims(problems: ClaimProblem[]): { ok: false; reason: LicenseFailure } {
  const join = (locale: keyof Localized, separator: string) =>
    problems.map((p) => localize(CLAIM_PROBLEMS[p.key], p.params)[locale]).join(separator);
  return failure(
    "invalid-claims",
    { claims: problems.map((p) => String(p.params.claim ?? p.key)).join(", ") },
    { problems: { en: join("en", "; "), "zh-CN": join("zh-CN", "；") } },
  );
}

/** Claims as an issuer writes them: `features` may be left out (no features). */
export type LicenseClaimsInput = Omit<LicenseClaims, "features"> & { features?: string[] };

/** Thrown by `issueLicense` when the claims would make a license that no one could verify. */
export class InvalidLicenseClaimsError extends Error {
  constructor(readonly reason: LicenseFailure) {
    super(reason.message.en);
    this.name = "InvalidLicenseClaimsError";
  }
}

function toPayload(claims: LicenseClaims): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const { field, jwt } of CLAIMS) payload[jwt] = claims[field];
  return payload;
}

/**
 * Signs a license. `kid` must be the key id the verifier knows the matching public key by
 * (`generateLicenseKeyPair` and `licenseKeyId` derive it from the public key).
 */
export async function issueLicense(
  claims: LicenseClaimsInput,
  privateKey: CryptoKey | KeyObject | JWK,
  kid: string,
): Promise<string> {
  const checked = readClaims(toPayload({ ...claims, features: claims.features ?? [] }));
  if (!checked.ok) throw new InvalidLicenseClaimsError(invalidClaims(checked.problems).reason);
  if (kid.trim() === "") throw new Error("issueLicense needs the issuer key id (kid)");
  const payload = new TextEncoder().encode(JSON.stringify(toPayload(checked.claims)));
  return new CompactSign(payload)
    .setProtectedHeader({ alg: LICENSE_ALG, typ: LICENSE_TYP, kid })
    .sign(privateKey);
}

export interface VerifyLicenseOptions {
  notBeforeToleranceSeconds?: number;
}

/**
 * Verifies a license against the trusted issuer keys at `now` (epoch milliseconds, passed in: this
 * function reads no clock). Checks, in order: structure → issuer key known → signature → claims →
 * not before → expiry; the first failing check is the reason.
 */
export async function verifyLicense(
  token: unknown,
  trustedKeys: TrustedLicenseKeys,
  now: number,
  options: VerifyLicenseOptions = {},
): Promise<VerifyLicenseResult> {
  const decoded = decodeLicense(token);
  if (!decoded.ok) return decoded;
  const { kid } = decoded.decoded.header;
  const key = Object.hasOwn(trustedKeys, kid) ? trustedKeys[kid] : undefined;
  if (!key) {
    const trusted = Object.keys(trustedKeys).join(", ");
    return failure(
      "unknown-key",
      { kid, trusted },
      trusted ? {} : { trusted: { en: "none", "zh-CN": "无" } },
    );
  }
  try {
    await compactVerify((token as string).trim(), key, { algorithms: [LICENSE_ALG] });
  } catch (error) {
    if (error instanceof joseErrors.JWSSignatureVerificationFailed)
      return failure("bad-signature", { kid });
    if (error instanceof joseErrors.JOSEError)
      return malformed("signature", { detail: error.message });
    throw error;
  }
  const payload = decoded.decoded.payload;
  if (!payload) return malformed("payload-json");
  const read = readClaims(payload);
  if (!read.ok) return invalidClaims(read.problems);
  const { claims } = read;
  const tolerance = options.notBeforeToleranceSeconds ?? DEFAULT_NOT_BEFORE_TOLERANCE_SECONDS;
  const context = { customer: claims.customer, licenseId: claims.licenseId, kid };
  if (now < (claims.notBefore - tolerance) * 1000) {
    return failure("not-yet-valid", {
      ...context,
      notBefore: isoFromSeconds(claims.notBefore),
      now: new Date(now).toISOString(),
    });
  }
  if (now >= claims.expiresAt * 1000) {
    return failure("expired", {
      ...context,
      expiresAt: isoFromSeconds(claims.expiresAt),
      days: Math.floor((now - claims.expiresAt * 1000) / 86_400_000),
    });
  }
  return { ok: true, claims, kid };
}

/** The key id of an issuer public key: its RFC 7638 SHA-256 thumbprint. */
export function licenseKeyId(publicJwk: JWK): Promise<string> {
  return calculateJwkThumbprint(publicJwk, "sha256");
}

/** A new Ed25519 issuer key. The private half is what lets its holder issue licenses. */
export async function generateLicenseKeyPair(): Promise<LicenseKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair("Ed25519", { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await licenseKeyId(publicJwk);
  const meta = { kid, alg: LICENSE_ALG, use: "sig" };
  return {
    kid,
    publicJwk: { ...publicJwk, ...meta },
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
  };
}

/** The public half of an Ed25519 private JWK (drops `d`), e.g. to derive the key id. */
export function publicPartOf(privateJwk: JWK): JWK {
  const publicJwk: JWK = { ...privateJwk };
  delete publicJwk.d;
  return publicJwk;
}

/** True for a JWK that can sign licenses: an Ed25519 OKP key with its private part. */
export function isLicensePrivateJwk(value: unknown): value is JWK {
  if (value === null || typeof value !== "object") return false;
  const jwk = value as Record<string, unknown>;
  return (
    jwk.kty === "OKP" &&
    jwk.crv === "Ed25519" &&
    typeof jwk.x === "string" &&
    typeof jwk.d === "string"
  );
}

/** True for an Ed25519 OKP public key (a private key also passes: it contains the public part). */
export function isLicensePublicJwk(value: unknown): value is JWK {
  if (value === null || typeof value !== "object") return false;
  const jwk = value as Record<string, unknown>;
  return jwk.kty === "OKP" && jwk.crv === "Ed25519" && typeof jwk.x === "string";
}
