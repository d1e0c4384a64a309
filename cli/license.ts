/**
 * `cairn license keygen | issue | inspect`. The command functions are exported for tests and for
 * programs that embed them; the commander wiring only parses arguments and prints.
 *
 * Exit codes: 0 ok, 1 the license does not verify, 2 bad usage or unreadable input.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import type { JWK } from "jose";
import { isLocale, localize, type Locale, type Localized, type Params } from "../domain/i18n";
import {
  InvalidLicenseClaimsError,
  decodeLicense,
  generateLicenseKeyPair,
  isLicensePrivateJwk,
  isLicensePublicJwk,
  issueLicense,
  licenseKeyId,
  publicPartOf,
  verifyLicense,
  type DecodedLicense,
  type VerifyLicenseResult,
} from "../domain/license/license";
import { trustedIssuerKey, trustedLicenseKeys } from "../domain/license/trusted-keys";
import type { LicenseClaims } from "../domain/model";

/** A failure the operator can fix; `exitCode` 2 is bad usage or input, 1 a failed verification. */
export class LicenseCliError extends Error {
  constructor(
    readonly text: Localized,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(text.en);
    this.name = "LicenseCliError";
  }
}

const T = {
  keyUnreadable: {
    en: "Cannot read the key file {path}: {detail}.",
    "zh-CN": "无法读取密钥文件 {path}：{detail}。",
  },
  keyNotJson: {
    en: "The key file {path} is not JSON: it should hold a JWK written by `cairn license keygen`.",
    "zh-CN": "密钥文件 {path} 不是 JSON：它应当是 `cairn license keygen` 生成的 JWK。",
  },
  keyNotPrivate: {
    en: "The key file {path} is not an Ed25519 private key (a JWK with kty OKP, crv Ed25519 and its private part d). Only the holder of the issuer's private key can issue licenses.",
    "zh-CN":
      "密钥文件 {path} 不是 Ed25519 私钥（应为包含私钥部分 d、kty 为 OKP、crv 为 Ed25519 的 JWK）。只有持有签发方私钥的人才能签发许可证。",
  },
  keyNotPublic: {
    en: "The key file {path} is not an Ed25519 public key (a JWK with kty OKP and crv Ed25519).",
    "zh-CN": "密钥文件 {path} 不是 Ed25519 公钥（应为 kty 为 OKP、crv 为 Ed25519 的 JWK）。",
  },
  kidMismatch: {
    en: "The key file {path} says its kid is {stated}, but the key's thumbprint is {actual}; the file was edited or mixes two keys.",
    "zh-CN":
      "密钥文件 {path} 标注的 kid 为 {stated}，但该密钥的指纹为 {actual}；文件可能被修改过，或混入了两把密钥。",
  },
  keyExists: {
    en: "{path} already exists; refusing to overwrite an issuer key. Use another --out directory or --name, or pass --force.",
    "zh-CN":
      "{path} 已存在；为避免覆盖签发密钥，已停止。请换一个 --out 目录或 --name，或加上 --force。",
  },
  outExists: {
    en: "{path} already exists. Choose another --out file or pass --force.",
    "zh-CN": "{path} 已存在。请换一个 --out 文件，或加上 --force。",
  },
  badDate: {
    en: '--not-before must be an ISO 8601 date such as 2026-03-01 or 2026-03-01T08:00:00Z; got "{value}".',
    "zh-CN":
      "--not-before 必须是 ISO 8601 日期，例如 2026-03-01 或 2026-03-01T08:00:00Z；实际为“{value}”。",
  },
  badAt: {
    en: '--at must be an ISO 8601 date such as 2026-03-01T08:00:00Z; got "{value}".',
    "zh-CN": "--at 必须是 ISO 8601 日期，例如 2026-03-01T08:00:00Z；实际为“{value}”。",
  },
  inputUnreadable: {
    en: "Cannot read the license from {path}: {detail}.",
    "zh-CN": "无法从 {path} 读取许可证：{detail}。",
  },
  claimsRejected: {
    en: "Not issued: {reason}",
    "zh-CN": "未签发：{reason}",
  },
  wroteKeys: {
    en: "Wrote the private key to {privatePath} (keep it secret: whoever holds it can issue licenses)\nWrote the public key to {publicPath} (add it to the trusted keys of the installations that should accept these licenses)\nkid: {kid}",
    "zh-CN":
      "私钥已写入 {privatePath}（请妥善保密：持有者即可签发许可证）\n公钥已写入 {publicPath}（请将其加入需要接受这些许可证的系统的受信任密钥）\nkid：{kid}",
  },
  wroteLicense: {
    en: "Wrote license {licenseId} for {customer} to {path} (valid {notBefore} to {expiresAt}).",
    "zh-CN":
      "已将 {customer} 的许可证 {licenseId} 写入 {path}（有效期 {notBefore} 至 {expiresAt}）。",
  },
  valid: {
    en: "Verification: valid, signed by issuer key {kid}{issuer}.",
    "zh-CN": "校验结果：有效，由签发密钥 {kid}{issuer} 签名。",
  },
  invalid: {
    en: "Verification: FAILED ({code}). {message}\nNext: {hint}",
    "zh-CN": "校验结果：失败（{code}）。{message}\n下一步：{hint}",
  },
  devKey: {
    en: " ({issuer}, development and test only)",
    "zh-CN": "（{issuer}，仅供开发和测试）",
  },
  namedKey: { en: " ({issuer})", "zh-CN": "（{issuer}）" },
  notPositive: {
    en: "must be a whole number of at least 1",
    "zh-CN": "必须是不小于 1 的整数",
  },
} as const satisfies Record<string, Localized>;

const LABELS: Record<string, Localized> = {
  customer: { en: "Customer", "zh-CN": "客户" },
  licenseId: { en: "License ID", "zh-CN": "许可证编号" },
  issuedAt: { en: "Issued", "zh-CN": "签发时间" },
  notBefore: { en: "Valid from", "zh-CN": "生效时间" },
  expiresAt: { en: "Expires", "zh-CN": "到期时间" },
  maxNodes: { en: "Max nodes", "zh-CN": "最大节点数" },
  maxCpuSockets: { en: "Max CPU sockets", "zh-CN": "最大 CPU 插槽数" },
  maxRegions: { en: "Max regions", "zh-CN": "最大区域数" },
  features: { en: "Features", "zh-CN": "功能" },
  kid: { en: "Issuer key", "zh-CN": "签发密钥" },
};

function say(text: Localized, params: Params, locale: Locale): string {
  return localize(text, params)[locale];
}

const FILE_ERRORS: Record<string, Localized> = {
  ENOENT: { en: "the file does not exist", "zh-CN": "文件不存在" },
  EACCES: { en: "permission denied", "zh-CN": "没有读取权限" },
  EISDIR: { en: "it is a directory", "zh-CN": "这是一个目录" },
};

/** Fills `template` with a file-system error described in each language. */
function fileError(template: Localized, path: string, error: unknown): Localized {
  const code = String((error as { code?: unknown }).code ?? "");
  const raw = error instanceof Error ? error.message : String(error);
  const detail = FILE_ERRORS[code] ?? { en: raw, "zh-CN": raw };
  return {
    en: localize(template, { path, detail: detail.en }).en,
    "zh-CN": localize(template, { path, detail: detail["zh-CN"] })["zh-CN"],
  };
}

/** Terminal columns of a string: CJK and full-width characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text)
    width +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        ch,
      )
        ? 2
        : 1;
  return width;
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new LicenseCliError(fileError(T.keyUnreadable, path, error));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LicenseCliError(localize(T.keyNotJson, { path }));
  }
}

/** Reads an issuer private key and returns it with its kid (always recomputed from the key). */
export async function readPrivateKey(path: string): Promise<{ jwk: JWK; kid: string }> {
  const jwk = await readJsonFile(path);
  if (!isLicensePrivateJwk(jwk)) throw new LicenseCliError(localize(T.keyNotPrivate, { path }));
  const kid = await licenseKeyId(publicPartOf(jwk));
  if (jwk.kid !== undefined && jwk.kid !== kid)
    throw new LicenseCliError(
      localize(T.kidMismatch, { path, stated: String(jwk.kid), actual: kid }),
    );
  return { jwk, kid };
}

export async function readPublicKey(path: string): Promise<{ jwk: JWK; kid: string }> {
  const jwk = await readJsonFile(path);
  if (!isLicensePublicJwk(jwk)) throw new LicenseCliError(localize(T.keyNotPublic, { path }));
  const publicJwk = publicPartOf(jwk);
  return { jwk: publicJwk, kid: await licenseKeyId(publicJwk) };
}

async function writeNew(
  path: string,
  content: string,
  options: { force: boolean; mode: number },
  exists: Localized,
) {
  try {
    await writeFile(path, content, { mode: options.mode, flag: options.force ? "w" : "wx" });
  } catch (error) {
    if ((error as { code?: unknown }).code === "EEXIST")
      throw new LicenseCliError(localize(exists, { path }));
    throw error;
  }
}

export interface KeygenOptions {
  out: string;
  /** File name stem: writes NAME.private.jwk and NAME.public.jwk. */
  name?: string;
  force?: boolean;
}

export async function keygen(options: KeygenOptions) {
  const name = options.name ?? "issuer";
  const dir = resolve(options.out);
  await mkdir(dir, { recursive: true });
  const pair = await generateLicenseKeyPair();
  const privatePath = join(dir, `${name}.private.jwk`);
  const publicPath = join(dir, `${name}.public.jwk`);
  const force = options.force ?? false;
  // Private key first and owner-only: a half-finished run must never leave a readable secret.
  await writeNew(
    privatePath,
    `${JSON.stringify(pair.privateJwk, null, 2)}\n`,
    { force, mode: 0o600 },
    T.keyExists,
  );
  await writeNew(
    publicPath,
    `${JSON.stringify(pair.publicJwk, null, 2)}\n`,
    { force, mode: 0o644 },
    T.keyExists,
  );
  return { kid: pair.kid, privatePath, publicPath, publicJwk: pair.publicJwk };
}

export interface IssueOptions {
  key: string;
  customer: string;
  nodes: number;
  sockets: number;
  regions: number;
  days: number;
  features?: string[];
  /** ISO 8601; defaults to the issue time. */
  notBefore?: string;
  licenseId?: string;
  out?: string;
  force?: boolean;
  /** Epoch milliseconds of issue. */
  now: number;
}

export async function issue(options: IssueOptions) {
  const { jwk, kid } = await readPrivateKey(options.key);
  const issuedAt = Math.floor(options.now / 1000);
  let notBefore = issuedAt;
  if (options.notBefore !== undefined) {
    const parsed = Date.parse(options.notBefore);
    if (Number.isNaN(parsed))
      throw new LicenseCliError(localize(T.badDate, { value: options.notBefore }));
    notBefore = Math.floor(parsed / 1000);
  }
  const claims: LicenseClaims = {
    customer: options.customer,
    licenseId: options.licenseId ?? `lic-${randomUUID()}`,
    issuedAt,
    notBefore,
    expiresAt: notBefore + options.days * 86_400,
    maxNodes: options.nodes,
    maxCpuSockets: options.sockets,
    maxRegions: options.regions,
    features: [...new Set(options.features ?? [])],
  };
  let token: string;
  try {
    token = await issueLicense(claims, jwk, kid);
  } catch (error) {
    if (error instanceof InvalidLicenseClaimsError) {
      const { message } = error.reason;
      throw new LicenseCliError({
        en: localize(T.claimsRejected, { reason: message.en }).en,
        "zh-CN": localize(T.claimsRejected, { reason: message["zh-CN"] })["zh-CN"],
      });
    }
    throw error;
  }
  let outPath: string | undefined;
  if (options.out !== undefined) {
    outPath = resolve(options.out);
    await writeNew(
      outPath,
      `${token}\n`,
      { force: options.force ?? false, mode: 0o644 },
      T.outExists,
    );
  }
  return { token, claims, kid, outPath };
}

export interface InspectOptions {
  /** A file path, or "-" for standard input. */
  input: string;
  /** Extra public key files to trust besides the built-in trusted keys. */
  trust?: string[];
  includeDevKeys?: boolean;
  /** Epoch milliseconds to verify at. */
  now: number;
  readStdin?: () => Promise<string>;
}

export interface InspectResult {
  decoded: DecodedLicense | null;
  verification: VerifyLicenseResult;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function inspect(options: InspectOptions): Promise<InspectResult> {
  let token: string;
  const source = options.input === "-" ? "stdin" : options.input;
  try {
    token =
      options.input === "-"
        ? await (options.readStdin ?? readAllStdin)()
        : await readFile(options.input, "utf8");
  } catch (error) {
    throw new LicenseCliError(fileError(T.inputUnreadable, source, error));
  }
  const keys: Record<string, JWK> = {
    ...trustedLicenseKeys({ includeDev: options.includeDevKeys ?? true }),
  };
  for (const path of options.trust ?? []) {
    const { jwk, kid } = await readPublicKey(path);
    keys[kid] = jwk;
  }
  const decoded = decodeLicense(token);
  const verification = await verifyLicense(token, keys, options.now);
  return { decoded: decoded.ok ? decoded.decoded : null, verification };
}

function isoOrRaw(value: unknown): string {
  return Number.isSafeInteger(value)
    ? new Date((value as number) * 1000).toISOString()
    : JSON.stringify(value);
}

/** The payload as the operator reads it, using Cairn's claim names. */
function describePayload(payload: Record<string, unknown>): [keyof typeof LABELS, string][] {
  const rows: [keyof typeof LABELS, string][] = [
    ["customer", String(payload.sub ?? "-")],
    ["licenseId", String(payload.jti ?? "-")],
    ["issuedAt", isoOrRaw(payload.iat)],
    ["notBefore", isoOrRaw(payload.nbf)],
    ["expiresAt", isoOrRaw(payload.exp)],
    ["maxNodes", String(payload.max_nodes ?? "-")],
    ["maxCpuSockets", String(payload.max_cpu_sockets ?? "-")],
    ["maxRegions", String(payload.max_regions ?? "-")],
    [
      "features",
      Array.isArray(payload.features)
        ? payload.features.join(", ") || "-"
        : String(payload.features ?? "-"),
    ],
  ];
  return rows;
}

export function formatInspect(result: InspectResult, locale: Locale): string {
  const lines: string[] = [];
  if (result.decoded) {
    const rows = result.decoded.payload ? describePayload(result.decoded.payload) : [];
    rows.push(["kid", result.decoded.header.kid]);
    const label = (key: keyof typeof LABELS) => (LABELS[key] as Localized)[locale];
    const width = Math.max(...rows.map(([key]) => displayWidth(label(key))));
    for (const [key, value] of rows)
      lines.push(`${label(key)}${" ".repeat(width - displayWidth(label(key)))}  ${value}`);
  }
  const v = result.verification;
  if (v.ok) {
    const known = trustedIssuerKey(v.kid);
    const issuer = known
      ? say(known.label === "dev" ? T.devKey : T.namedKey, { issuer: known.issuer }, locale)
      : "";
    lines.push(say(T.valid, { kid: v.kid, issuer }, locale));
  } else {
    lines.push(
      say(
        T.invalid,
        { code: v.reason.code, message: v.reason.message[locale], hint: v.reason.hint[locale] },
        locale,
      ),
    );
  }
  return lines.join("\n");
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`${T.notPositive.en} / ${T.notPositive["zh-CN"]}`);
  return n;
}

function featureList(value: string): string[] {
  return value
    .split(",")
    .map((f) => f.trim())
    .filter((f) => f !== "");
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--lang`, then CAIRN_LANG, then the POSIX locale (zh_* → Chinese), else English. */
export function pickLocale(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Locale {
  if (option !== undefined) {
    if (isLocale(option)) return option;
    throw new InvalidArgumentError(`use en or zh-CN (got "${option}")`);
  }
  if (isLocale(env.CAIRN_LANG)) return env.CAIRN_LANG;
  const posix = env.LC_ALL || env.LC_MESSAGES || env.LANG || "";
  return posix.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

/** Runs an action, printing an operator error in the chosen language with its exit code. */
async function guarded(lang: string | undefined, action: (locale: Locale) => Promise<number>) {
  const locale = pickLocale(lang);
  try {
    process.exitCode = await action(locale);
  } catch (error) {
    if (!(error instanceof LicenseCliError)) throw error;
    process.stderr.write(`${error.text[locale]}\n`);
    process.exitCode = error.exitCode;
  }
}

export function registerLicenseCommand(program: Command): void {
  const license = program
    .command("license")
    .description("Create issuer keys, issue licenses (needs the private key) and inspect licenses");

  license
    .command("keygen")
    .description("Generate an Ed25519 issuer key pair (NAME.private.jwk and NAME.public.jwk)")
    .requiredOption("--out <dir>", "directory to write the key files to")
    .option("--name <name>", "file name stem", "issuer")
    .option("--force", "overwrite existing key files", false)
    .option("--lang <lang>", "output language: en or zh-CN")
    .action(async (opts: { out: string; name: string; force: boolean; lang?: string }) =>
      guarded(opts.lang, async (locale) => {
        const { kid, privatePath, publicPath } = await keygen(opts);
        process.stdout.write(`${say(T.wroteKeys, { kid, privatePath, publicPath }, locale)}\n`);
        return 0;
      }),
    );

  license
    .command("issue")
    .description("Issue a signed license; only the holder of the issuer's private key can")
    .requiredOption("--key <file>", "issuer private key (JWK) written by `cairn license keygen`")
    .requiredOption("--customer <name>", "customer the license is for")
    .requiredOption("--nodes <n>", "maximum number of nodes", positiveInt)
    .requiredOption("--sockets <n>", "maximum number of CPU sockets", positiveInt)
    .requiredOption("--regions <n>", "maximum number of regions", positiveInt)
    .requiredOption("--days <n>", "days of validity from the start date", positiveInt)
    .option("--features <list>", "comma-separated feature names", featureList)
    .option("--not-before <iso>", "start of validity (ISO 8601); default now")
    .option("--license-id <id>", "license id; default a new random id")
    .option("--out <file>", "write the license to this file instead of standard output")
    .option("--force", "overwrite --out if it exists", false)
    .option("--lang <lang>", "output language: en or zh-CN")
    .action(async (opts: Omit<IssueOptions, "now"> & { lang?: string }) =>
      guarded(opts.lang, async (locale) => {
        const result = await issue({ ...opts, now: Date.now() });
        if (result.outPath === undefined) {
          process.stdout.write(`${result.token}\n`);
        } else {
          const { claims } = result;
          const params = {
            licenseId: claims.licenseId,
            customer: claims.customer,
            path: result.outPath,
            notBefore: new Date(claims.notBefore * 1000).toISOString(),
            expiresAt: new Date(claims.expiresAt * 1000).toISOString(),
          };
          process.stderr.write(`${say(T.wroteLicense, params, locale)}\n`);
        }
        return 0;
      }),
    );

  license
    .command("inspect")
    .description("Show a license's claims and whether it verifies against the trusted issuer keys")
    .argument("<file>", 'license file, or "-" for standard input')
    .option("--trust <public.jwk>", "also trust this issuer public key (repeatable)", collect)
    .option("--no-dev-keys", "do not trust the development issuer key")
    .option("--at <iso>", "verify as of this date instead of now")
    .option("--json", "print JSON", false)
    .option("--lang <lang>", "output language: en or zh-CN")
    .action(
      async (
        file: string,
        opts: { trust?: string[]; devKeys: boolean; at?: string; json: boolean; lang?: string },
      ) =>
        guarded(opts.lang, async (locale) => {
          let now = Date.now();
          if (opts.at !== undefined) {
            now = Date.parse(opts.at);
            if (Number.isNaN(now)) throw new LicenseCliError(localize(T.badAt, { value: opts.at }));
          }
          const result = await inspect({
            input: file,
            trust: opts.trust,
            includeDevKeys: opts.devKeys,
            now,
          });
          if (opts.json) {
            const v = result.verification;
            const verification = v.ok
              ? { ok: true, kid: v.kid, claims: v.claims }
              : {
                  ok: false,
                  ...v.reason,
                  message: v.reason.message[locale],
                  hint: v.reason.hint[locale],
                };
            process.stdout.write(
              `${JSON.stringify({ ...result.decoded, verification }, null, 2)}\n`,
            );
          } else {
            process.stdout.write(`${formatInspect(result, locale)}\n`);
          }
          return result.verification.ok ? 0 : 1;
        }),
    );
}
