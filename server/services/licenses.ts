import "server-only";
/**
 * Licenses loaded into this Cairn. A license is stored only once it verifies against the trusted
 * issuer keys; the newest stored one is in force. An invalid upload changes nothing and says which
 * check failed.
 *
 * Which issuer keys count: production keys always; the development issuer ("cairn-dev", whose
 * private key is committed in e2e/fixtures so tests and labs can issue licenses) only when this
 * Cairn is in lab mode (CAIRN_LAB) or is not a production build (NODE_ENV ≠ production: `npm run
 * dev`, the tests). A production server outside lab mode therefore refuses dev-signed licenses, and
 * a dev-signed license loaded earlier stops counting there.
 */
import {
  decodeLicense,
  verifyLicense,
  type LicenseFailure,
  type TrustedLicenseKeys,
} from "../../domain/license/license";
import { trustedIssuerKey, trustedLicenseKeys } from "../../domain/license/trusted-keys";
import { CairnError } from "../../domain/errors";
import type { LicenseClaims } from "../../domain/model";
import { insertLicense, newestLicense, type LicenseRow } from "../../db/queries/wizard";
import { config } from "../config";
import type { ServiceContext } from "./context";

/** Whether development issuer keys are trusted here (see the file comment). */
export function trustsDevKeys(): boolean {
  return config().CAIRN_LAB || process.env.NODE_ENV !== "production";
}

export function trustedKeys(): TrustedLicenseKeys {
  return trustedLicenseKeys({ includeDev: trustsDevKeys() });
}

export interface LicenseView {
  id: string;
  claims: LicenseClaims;
  loadedBy: string;
  loadedAt: Date;
  /** The issuer key that signed it, as this Cairn knows it; `label: "dev"` proves nothing. */
  issuer: { kid: string; issuer: string; label: "dev" | "production" } | null;
  /** Verified again now: false when it expired or its issuer is no longer trusted here. */
  valid: boolean;
  /** Why it is not valid now (the same exact reasons as on upload). */
  problem: LicenseFailure | null;
}

function kidOf(token: string): string | null {
  const decoded = decodeLicense(token);
  return decoded.ok ? decoded.decoded.header.kid : null;
}

function issuerOf(kid: string | null): LicenseView["issuer"] {
  const key = kid ? trustedIssuerKey(kid) : undefined;
  return key ? { kid: key.kid, issuer: key.issuer, label: key.label } : null;
}

async function view(row: LicenseRow, now: number): Promise<LicenseView> {
  const verified = await verifyLicense(row.token, trustedKeys(), now);
  return {
    id: row.id,
    claims: row.claims,
    loadedBy: row.loadedBy,
    loadedAt: row.loadedAt,
    issuer: issuerOf(kidOf(row.token)),
    valid: verified.ok,
    problem: verified.ok ? null : verified.reason,
  };
}

/** The license in force, verified again now; null when none was ever loaded. */
export async function currentLicense(ctx: Pick<ServiceContext, "db">): Promise<LicenseView | null> {
  const row = await newestLicense(ctx.db);
  return row ? view(row, Date.now()) : null;
}

/**
 * The claims the constraint rules see: the license in force, unless its issuer is not trusted
 * here (its expiry and limits are the rules' business, so an expired license still counts).
 */
export async function licenseClaimsInForce(
  ctx: Pick<ServiceContext, "db">,
): Promise<LicenseClaims | null> {
  const row = await newestLicense(ctx.db);
  if (!row) return null;
  const kid = kidOf(row.token);
  return kid && Object.hasOwn(trustedKeys(), kid) ? row.claims : null;
}

/**
 * Verifies and stores a license, which is then in force. An invalid one is refused with the
 * check that failed (in `fields` under `token`, and whole in `details.failure`) and stores
 * nothing: the license in force stays.
 */
export async function loadLicense(
  ctx: ServiceContext,
  input: { token: string },
): Promise<LicenseView> {
  const now = Date.now();
  const token = input.token.trim();
  const verified = await verifyLicense(token, trustedKeys(), now);
  if (!verified.ok)
    throw new CairnError(
      "wizard.license-invalid",
      { check: verified.reason.code },
      {
        fields: [{ path: "token", message: verified.reason.message }],
        details: { failure: verified.reason },
      },
    );
  const row = await ctx.db.transaction((tx) =>
    insertLicense(tx, {
      token,
      claims: verified.claims,
      loadedBy: ctx.user.email,
      loadedAt: new Date(now),
    }),
  );
  return view(row, now);
}
