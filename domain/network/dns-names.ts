/**
 * Host and domain names as RFC 1123 allows them (letters, digits, inner hyphens; labels of 1–63;
 * 253 characters in all). A last label of digits only is refused, so "10.0.0.256" is not taken for
 * a hostname when it is a mistyped address.
 */
export type DnsNameProblem =
  | { code: "empty" }
  | { code: "too-long"; length: number }
  | { code: "bad-label"; label: string }
  | { code: "numeric-tld"; label: string };

export const DNS_NAME_MAX = 253;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function checkDnsName(text: string): DnsNameProblem | null {
  if (text.length === 0) return { code: "empty" };
  if (text.length > DNS_NAME_MAX) return { code: "too-long", length: text.length };
  const labels = text.split(".");
  for (const label of labels) if (!LABEL.test(label)) return { code: "bad-label", label };
  const last = labels[labels.length - 1] as string;
  if (/^\d+$/.test(last)) return { code: "numeric-tld", label: last };
  return null;
}

export function isHostname(text: string): boolean {
  return checkDnsName(text) === null;
}
