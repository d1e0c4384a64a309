/**
 * The issuer public keys Cairn trusts to sign licenses, as data. A license names its issuer key by
 * `kid` (the key's RFC 7638 thumbprint), and verification looks the key up here.
 *
 * The `dev` key belongs to the "cairn-dev" issuer, whose PRIVATE key is committed on purpose in
 * `e2e/fixtures/dev-issuer.private.jwk` so that tests and the lab can issue licenses. Anyone can
 * therefore sign with it: it proves nothing and must not be trusted by a production installation
 * (`trustedLicenseKeys({ includeDev: false })`). Production issuers add their own public keys here,
 * labelled `production`, generated with `cairn license keygen` and whose private halves never leave
 * the vendor's signing host.
 */
import type { JWK } from "jose";
import type { Localized } from "../i18n";
import type { TrustedLicenseKeys } from "./license";

export interface TrustedIssuerKey {
  /** RFC 7638 SHA-256 thumbprint of `publicJwk`; licenses carry it in their header. */
  kid: string;
  /** Who signs with this key. */
  issuer: string;
  /** `dev` keys have public private halves and are for development and tests only. */
  label: "dev" | "production";
  description: Localized;
  publicJwk: JWK;
}

export const TRUSTED_LICENSE_KEYS: readonly TrustedIssuerKey[] = [
  {
    kid: "EcHwWgJUs-N3igYqlylbOuOkpBl9GYtb2t7xoXo2M1A",
    issuer: "cairn-dev",
    label: "dev",
    description: {
      en: "Development and test issuer; its private key is public (e2e/fixtures), so its licenses prove nothing.",
      "zh-CN":
        "开发和测试用签发方；其私钥是公开的（位于 e2e/fixtures），因此它签发的许可证不具备任何证明效力。",
    },
    publicJwk: {
      kty: "OKP",
      crv: "Ed25519",
      x: "5vLQesLawBaMSDp9y0-vNqIrrek1Lf06zfyJnkxnJOk",
      kid: "EcHwWgJUs-N3igYqlylbOuOkpBl9GYtb2t7xoXo2M1A",
      alg: "EdDSA",
      use: "sig",
    },
  },
];

/**
 * The key set to verify with. Whether `dev` keys count is the caller's decision (the server ties it
 * to its mode; the CLI trusts them unless told not to), so it must be stated.
 */
export function trustedLicenseKeys(
  options: { includeDev: boolean },
  keys: readonly TrustedIssuerKey[] = TRUSTED_LICENSE_KEYS,
): TrustedLicenseKeys {
  return Object.fromEntries(
    keys
      .filter((key) => options.includeDev || key.label !== "dev")
      .map((key) => [key.kid, key.publicJwk]),
  );
}

export function trustedIssuerKey(kid: string): TrustedIssuerKey | undefined {
  return TRUSTED_LICENSE_KEYS.find((key) => key.kid === kid);
}
