/**
 * Addresses, subnets and deterministic allocation. Parsing and network/broadcast addresses come from
 * ipaddr.js; addresses are then carried as bigint offsets so ranges, counts and allocation work the
 * same for IPv4 and IPv6 (a /64 holds 2^64 addresses: nothing here enumerates a range to count it).
 */
import ipaddr from "ipaddr.js";
import { localize, type Localized, type Params } from "../i18n";
import type { AddressRange, Network, NetworkName, Node } from "../model";

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
  /** Canonical text: dotted quad, or RFC 5952 for IPv6. */
  text: string;
}

export interface Cidr {
  /** Canonical text, e.g. "10.0.0.0/24". */
  text: string;
  family: IpFamily;
  prefixLength: number;
  /** The network address. */
  first: bigint;
  /** The broadcast address (IPv4) or the last address (IPv6). */
  last: bigint;
  size: bigint;
}

/** An inclusive span of addresses of one family. */
export interface Interval {
  start: bigint;
  end: bigint;
}

export type CidrProblemCode =
  "empty" | "missing-prefix" | "bad-address" | "bad-prefix" | "host-bits-set" | "zone-id";

export interface CidrProblem {
  code: CidrProblemCode;
  message: Localized;
  params: Params;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; problem: CidrProblem };

/** Why a CIDR was refused, in the operator's words; `{cidr}` is the text as typed. */
export const CIDR_PROBLEM_TEXT: Record<CidrProblemCode, Localized> = {
  empty: { en: "No CIDR was given.", "zh-CN": "未填写 CIDR。" },
  "missing-prefix": {
    en: "{cidr} has no prefix length; write it as address/prefix, e.g. 10.0.0.0/24.",
    "zh-CN": "{cidr} 缺少前缀长度；请写成“地址/前缀”的形式，例如 10.0.0.0/24。",
  },
  "bad-address": {
    en: '{cidr}: "{address}" is not an IPv4 or IPv6 address.',
    "zh-CN": "{cidr}：“{address}”不是有效的 IPv4 或 IPv6 地址。",
  },
  "bad-prefix": {
    en: '{cidr}: the prefix length "{prefix}" must be a whole number from 0 to {maxPrefix} for IPv{family}.',
    "zh-CN":
      "{cidr}：前缀长度“{prefix}”无效，IPv{family} 的前缀长度须为 0 到 {maxPrefix} 之间的整数。",
  },
  "host-bits-set": {
    en: "{cidr} has host bits set; the network is {suggestion}.",
    "zh-CN": "{cidr} 的主机位不为零；对应的网络地址应为 {suggestion}。",
  },
  "zone-id": {
    en: "{cidr} carries a zone index (%{zone}); a subnet cannot name an interface.",
    "zh-CN": "{cidr} 带有区域索引（%{zone}）；子网不能指定网卡。",
  },
};

const DOTTED_QUAD =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function bytesToBigint(bytes: readonly number[]): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

function bigintToBytes(value: bigint, family: IpFamily): number[] {
  const length = family === 4 ? 4 : 16;
  const bytes = new Array<number>(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return bytes;
}

function canonicalText(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  return address.kind() === "ipv4"
    ? address.toString()
    : (address as ipaddr.IPv6).toRFC5952String();
}

function parseUncached(text: string): IpAddress | null {
  // Canonical dotted quads (the common case at 5,000 nodes) skip ipaddr's slower general parser.
  const quad = DOTTED_QUAD.exec(text);
  if (quad) {
    const address = new ipaddr.IPv4([
      Number(quad[1]),
      Number(quad[2]),
      Number(quad[3]),
      Number(quad[4]),
    ]);
    return { family: 4, value: bytesToBigint(address.octets), text };
  }
  // Only four-part decimal IPv4: ipaddr also accepts "10" or "0x0a.1", which nobody means in a form.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    const address = ipaddr.IPv4.parse(text);
    return {
      family: 4,
      value: bytesToBigint(address.toByteArray()),
      text: address.toString(),
    };
  }
  if (ipaddr.IPv6.isValid(text)) {
    const address = ipaddr.IPv6.parse(text);
    if (address.zoneId !== undefined) return null;
    return {
      family: 6,
      value: bytesToBigint(address.toByteArray()),
      text: address.toRFC5952String(),
    };
  }
  return null;
}

/** Parsing is pure, so results are remembered; the cache is dropped whole when it grows large. */
const parsed = new Map<string, IpAddress | null>();
const PARSE_CACHE_LIMIT = 100_000;

/** An IPv4 (four-part decimal) or IPv6 address without a zone index; null when it is neither. */
export function parseIp(text: string): IpAddress | null {
  const hit = parsed.get(text);
  if (hit !== undefined) return hit;
  const result = typeof text === "string" ? parseUncached(text.trim()) : null;
  if (parsed.size >= PARSE_CACHE_LIMIT) parsed.clear();
  parsed.set(text, result);
  return result;
}

export function isIp(text: string): boolean {
  return parseIp(text) !== null;
}

export function formatIp(value: bigint, family: IpFamily): string {
  return canonicalText(ipaddr.fromByteArray(bigintToBytes(value, family)));
}

function cidrProblem(code: CidrProblemCode, params: Params): CidrResult {
  return {
    ok: false,
    problem: {
      code,
      params,
      message: localize(CIDR_PROBLEM_TEXT[code], params),
    },
  };
}

const cidrCache = new Map<string, CidrResult>();

/** Parses "address/prefix" strictly: the address must be the network address itself. */
export function parseCidr(text: string): CidrResult {
  const hit = cidrCache.get(text);
  if (hit) return hit;
  const result = parseCidrUncached(text);
  if (cidrCache.size >= 10_000) cidrCache.clear();
  cidrCache.set(text, result);
  return result;
}

function parseCidrUncached(raw: string): CidrResult {
  const text = typeof raw === "string" ? raw.trim() : "";
  if (text === "") return cidrProblem("empty", { cidr: "" });
  const slash = text.indexOf("/");
  if (slash < 0) return cidrProblem("missing-prefix", { cidr: text });
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const zone = /%([^/]*)/.exec(addressText);
  if (zone) return cidrProblem("zone-id", { cidr: text, zone: zone[1] ?? "" });
  const address = parseIp(addressText);
  if (!address) return cidrProblem("bad-address", { cidr: text, address: addressText });
  const maxPrefix = address.family === 4 ? 32 : 128;
  const prefixLength = /^(0|[1-9]\d{0,2})$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefixLength >= 0 && prefixLength <= maxPrefix)) {
    return cidrProblem("bad-prefix", {
      cidr: text,
      prefix: prefixText,
      maxPrefix,
      family: address.family,
    });
  }
  const canonical = `${address.text}/${prefixLength}`;
  const Family = address.family === 4 ? ipaddr.IPv4 : ipaddr.IPv6;
  const network = parseIp(canonicalText(Family.networkAddressFromCIDR(canonical)));
  const last = parseIp(canonicalText(Family.broadcastAddressFromCIDR(canonical)));
  if (!network || !last) return cidrProblem("bad-address", { cidr: text, address: addressText });
  if (network.value !== address.value) {
    return cidrProblem("host-bits-set", {
      cidr: text,
      suggestion: `${network.text}/${prefixLength}`,
    });
  }
  return {
    ok: true,
    cidr: {
      text: canonical,
      family: address.family,
      prefixLength,
      first: network.value,
      last: last.value,
      size: last.value - network.value + 1n,
    },
  };
}

function asCidr(cidr: Cidr | string): Cidr | null {
  if (typeof cidr !== "string") return cidr;
  const result = parseCidr(cidr);
  return result.ok ? result.cidr : null;
}

function asIp(ip: IpAddress | string): IpAddress | null {
  return typeof ip === "string" ? parseIp(ip) : ip;
}

export function contains(cidr: Cidr | string, ip: IpAddress | string): boolean {
  const c = asCidr(cidr);
  const a = asIp(ip);
  return !!c && !!a && c.family === a.family && a.value >= c.first && a.value <= c.last;
}

/** Two subnets overlap when they share at least one address (different families never do). */
export function overlaps(a: Cidr | string, b: Cidr | string): boolean {
  const x = asCidr(a);
  const y = asCidr(b);
  return !!x && !!y && x.family === y.family && x.first <= y.last && y.first <= x.last;
}

export function networkAddress(cidr: Cidr | string): string | null {
  const c = asCidr(cidr);
  return c ? formatIp(c.first, c.family) : null;
}

/** IPv6 has no broadcast address: null for IPv6 (see `lastAddress`). */
export function broadcastAddress(cidr: Cidr | string): string | null {
  const c = asCidr(cidr);
  return c && c.family === 4 ? formatIp(c.last, 4) : null;
}

export function lastAddress(cidr: Cidr | string): string | null {
  const c = asCidr(cidr);
  return c ? formatIp(c.last, c.family) : null;
}

export function cidrSize(cidr: Cidr | string): bigint {
  return asCidr(cidr)?.size ?? 0n;
}

/** Addresses in an inclusive range; null when an end is not an address, families differ, or start > end. */
export function rangeSize(start: string, end: string): bigint | null {
  const interval = parseRange({ start, end });
  return interval ? interval.interval.end - interval.interval.start + 1n : null;
}

export function parseRange(range: {
  start: string;
  end: string;
}): { family: IpFamily; interval: Interval } | null {
  const start = parseIp(range.start);
  const end = parseIp(range.end);
  if (!start || !end || start.family !== end.family || start.value > end.value) return null;
  return {
    family: start.family,
    interval: { start: start.value, end: end.value },
  };
}

/**
 * The addresses a host may use. IPv4 loses its network and broadcast addresses, except in /31
 * point-to-point links (RFC 3021) and /32. IPv6 loses the subnet-router anycast address (the
 * all-zero host, RFC 4291 §2.6.1) except in /127 (RFC 6164) and /128.
 */
export function usableInterval(cidr: Cidr | string): Interval | null {
  const c = asCidr(cidr);
  if (!c) return null;
  if (c.family === 4) {
    return c.prefixLength >= 31
      ? { start: c.first, end: c.last }
      : { start: c.first + 1n, end: c.last - 1n };
  }
  return c.prefixLength >= 127
    ? { start: c.first, end: c.last }
    : { start: c.first + 1n, end: c.last };
}

export function isUsableHost(cidr: Cidr | string, ip: IpAddress | string): boolean {
  const c = asCidr(cidr);
  const a = asIp(ip);
  const usable = c && usableInterval(c);
  return (
    !!c &&
    !!a &&
    !!usable &&
    c.family === a.family &&
    a.value >= usable.start &&
    a.value <= usable.end
  );
}

/** Sorts and merges touching or overlapping intervals. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  const merged: Interval[] = [];
  for (const next of sorted) {
    const top = merged[merged.length - 1];
    if (top && next.start <= top.end + 1n) {
      if (next.end > top.end) top.end = next.end;
    } else {
      merged.push({ start: next.start, end: next.end });
    }
  }
  return merged;
}

/** `pool` minus `taken`; both are merged (sorted, disjoint) lists. */
export function subtractIntervals(
  pool: readonly Interval[],
  taken: readonly Interval[],
): Interval[] {
  const free: Interval[] = [];
  let j = 0;
  for (const span of pool) {
    let start = span.start;
    while (j < taken.length && (taken[j] as Interval).end < start) j++;
    let k = j;
    while (k < taken.length && (taken[k] as Interval).start <= span.end) {
      const t = taken[k] as Interval;
      if (t.start > start) free.push({ start, end: t.start - 1n });
      if (t.end + 1n > start) start = t.end + 1n;
      k++;
    }
    if (start <= span.end) free.push({ start, end: span.end });
  }
  return free;
}

export function intervalsSize(intervals: readonly Interval[]): bigint {
  let total = 0n;
  for (const i of intervals) total += i.end - i.start + 1n;
  return total;
}

type SortKey = (string | bigint)[];

function sortKey(id: string): SortKey {
  return (id.match(/\d+|\D+/g) ?? []).map((part) => (/^\d/.test(part) ? BigInt(part) : part));
}

function compareKeys(pa: SortKey, pb: SortKey): number {
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string | bigint;
    const y = pb[i] as string | bigint;
    if (x === y) continue;
    const xNum = typeof x === "bigint";
    const yNum = typeof y === "bigint";
    if (xNum && yNum) return x < y ? -1 : 1;
    if (xNum !== yNum) return xNum ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/**
 * Orders node ids the way an operator reads them: digit runs compare as numbers, so node-2 comes
 * before node-10. Ties ("node-01" vs "node-1") fall back to plain code-unit order, never the locale.
 */
export function compareNodeIds(a: string, b: string): number {
  return compareKeys(sortKey(a), sortKey(b)) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Sorts ids with compareNodeIds, computing each id's key once. */
export function sortNodeIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)]
    .map((id) => ({ id, key: sortKey(id) }))
    .sort((a, b) => compareKeys(a.key, b.key) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((entry) => entry.id);
}

/** Extra addresses an allocation must avoid, beyond what the network itself declares. */
export interface ReservedAddresses {
  addresses?: readonly string[];
  ranges?: readonly { start: string; end: string }[];
}

export interface AllocateOptions {
  reserved?: ReservedAddresses;
  /**
   * Addresses nodes hold already; kept when usable and unique, so adding nodes never renumbers.
   * A function avoids building a 5,000-entry record when the caller has the nodes at hand.
   */
  existing?:
    Readonly<Record<string, string | undefined>> | ((nodeId: string) => string | undefined);
}

export type AllocationError =
  | {
      code: "invalid-cidr";
      network: NetworkName;
      cidr: string;
      problem: CidrProblem;
    }
  | {
      code: "exhausted";
      network: NetworkName;
      cidr: string;
      needed: number;
      available: number;
    };

export type AllocationResult =
  | {
      ok: true;
      network: NetworkName;
      addresses: Record<string, string>;
      allocated: string[];
    }
  | { ok: false; error: AllocationError };

/** The pool a network hands node addresses from, and what it holds back. */
export interface AddressPool {
  cidr: Cidr;
  /** Static ranges (clipped to usable hosts), or every usable host when the network has none. */
  pool: Interval[];
  /** Gateway, VIPs, DHCP and floating ranges, and the caller's reservations. */
  held: Interval[];
  free: Interval[];
}

function pointsOf(addresses: readonly (string | undefined)[], family: IpFamily): Interval[] {
  const out: Interval[] = [];
  for (const text of addresses) {
    if (!text) continue;
    const ip = parseIp(text);
    if (ip && ip.family === family) out.push({ start: ip.value, end: ip.value });
  }
  return out;
}

function rangesOf(ranges: readonly { start: string; end: string }[], family: IpFamily): Interval[] {
  const out: Interval[] = [];
  for (const range of ranges) {
    const r = parseRange(range);
    if (r && r.family === family) out.push(r.interval);
  }
  return out;
}

/** Works out where a network's node addresses come from; null when its CIDR is invalid. */
export function addressPool(
  network: Network,
  reserved: ReservedAddresses = {},
): AddressPool | null {
  const parsedCidr = parseCidr(network.cidr);
  if (!parsedCidr.ok) return null;
  const cidr = parsedCidr.cidr;
  const usable = usableInterval(cidr) as Interval;
  const staticRanges = network.ranges.filter((r: AddressRange) => r.purpose === "static");
  const pool = (
    staticRanges.length > 0 ? mergeIntervals(rangesOf(staticRanges, cidr.family)) : [usable]
  )
    .map((i) => ({
      start: i.start > usable.start ? i.start : usable.start,
      end: i.end < usable.end ? i.end : usable.end,
    }))
    .filter((i) => i.start <= i.end);
  const held = mergeIntervals([
    ...pointsOf(
      [network.gateway, ...network.vips.map((v) => v.address), ...(reserved.addresses ?? [])],
      cidr.family,
    ),
    ...rangesOf(
      network.ranges.filter((r) => r.purpose !== "static"),
      cidr.family,
    ),
    ...rangesOf(reserved.ranges ?? [], cidr.family),
  ]);
  return { cidr, pool, held, free: subtractIntervals(pool, held) };
}

/** Splits existing addresses into kept ones (usable, in the pool's subnet, unique, not held) and the rest. */
function keepExisting(
  pool: AddressPool,
  sortedIds: readonly string[],
  existing: AllocateOptions["existing"],
): { kept: Map<string, IpAddress>; missing: string[] } {
  const kept = new Map<string, IpAddress>();
  const missing: string[] = [];
  // Canonical texts hash faster than bigints, and two spellings of one address share a text.
  const used = new Set<string>();
  const usable = usableInterval(pool.cidr) as Interval;
  const lookup = typeof existing === "function" ? existing : (id: string) => existing?.[id];
  for (const id of sortedIds) {
    const text = lookup(id);
    const ip = text ? parseIp(text) : null;
    const ok =
      ip !== null &&
      ip.family === pool.cidr.family &&
      ip.value >= usable.start &&
      ip.value <= usable.end &&
      !used.has(ip.text) &&
      !inIntervals(pool.held, ip.value);
    if (ok && ip) {
      kept.set(id, ip);
      used.add(ip.text);
    } else {
      missing.push(id);
    }
  }
  return { kept, missing };
}

/** Binary search in a merged interval list. */
export function inIntervals(intervals: readonly Interval[], value: bigint): boolean {
  let lo = 0;
  let hi = intervals.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const span = intervals[mid] as Interval;
    if (value < span.start) hi = mid - 1;
    else if (value > span.end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Caps a bigint count for display and comparisons with node counts. */
export function toSafeCount(n: bigint): number {
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

export type AllocationNeed =
  { ok: true; needed: number; available: number } | { ok: false; error: AllocationError };

/**
 * Counts, without allocating, how many of `nodeIds` still need an address and how many free
 * addresses remain once the kept existing ones are taken out. Rules use this at 5,000 nodes.
 */
export function allocationNeed(
  network: Network,
  nodeIds: readonly string[],
  options: AllocateOptions = {},
): AllocationNeed {
  const ids = [...new Set(nodeIds)];
  const existing = options.existing;
  const lookup = typeof existing === "function" ? existing : (id: string) => existing?.[id];
  return addressNeed(
    network,
    ids.map((id) => lookup(id)),
    options.reserved,
  );
}

/**
 * The same count from the addresses the nodes hold (one entry per node, undefined for none):
 * which node keeps a shared address does not change the numbers, so no ids or sorting are needed.
 */
export function addressNeed(
  network: Network,
  addresses: readonly (string | undefined)[],
  reserved?: ReservedAddresses,
): AllocationNeed {
  const pool = addressPool(network, reserved);
  if (!pool) return invalidCidr(network);
  const usable = usableInterval(pool.cidr) as Interval;
  const family = pool.cidr.family;
  const kept = new Set<string>();
  let keptInFree = 0;
  let needed = 0;
  for (const text of addresses) {
    const ip = text ? parseIp(text) : null;
    if (
      ip === null ||
      ip.family !== family ||
      ip.value < usable.start ||
      ip.value > usable.end ||
      kept.has(ip.text) ||
      inIntervals(pool.held, ip.value)
    ) {
      needed++;
      continue;
    }
    kept.add(ip.text);
    if (inIntervals(pool.free, ip.value)) keptInFree++;
  }
  return {
    ok: true,
    needed,
    available: toSafeCount(intervalsSize(pool.free) - BigInt(keptInFree)),
  };
}

function invalidCidr(network: Network): { ok: false; error: AllocationError } {
  const result = parseCidr(network.cidr);
  const problem = result.ok ? null : result.problem;
  return {
    ok: false,
    error: {
      code: "invalid-cidr",
      network: network.name,
      cidr: network.cidr,
      problem: problem as CidrProblem,
    },
  };
}

/**
 * Gives every node id an address on `network`: existing addresses are kept, the others are handed
 * out lowest-first in node-id order (see `compareNodeIds`), so the result does not depend on the
 * order of `nodeIds`. Skips the gateway, VIPs, DHCP and floating ranges, network/broadcast and the
 * reserved addresses. When the pool is too small nothing is allocated and the numbers come back.
 */
export function allocate(
  network: Network,
  nodeIds: readonly string[],
  options: AllocateOptions = {},
): AllocationResult {
  const pool = addressPool(network, options.reserved);
  if (!pool) return invalidCidr(network);
  const { kept, missing } = keepExisting(pool, sortNodeIds(nodeIds), options.existing);
  const keptValues = [...kept.values()].map((ip) => ({
    start: ip.value,
    end: ip.value,
  }));
  const free = subtractIntervals(pool.free, mergeIntervals(keptValues));
  const available = intervalsSize(free);
  if (available < BigInt(missing.length)) {
    return {
      ok: false,
      error: {
        code: "exhausted",
        network: network.name,
        cidr: pool.cidr.text,
        needed: missing.length,
        available: toSafeCount(available),
      },
    };
  }
  const addresses: Record<string, string> = {};
  for (const [id, ip] of kept) addresses[id] = ip.text;
  let span = 0;
  let cursor = free[0]?.start ?? 0n;
  for (const id of missing) {
    while (cursor > (free[span] as Interval).end) {
      span++;
      cursor = (free[span] as Interval).start;
    }
    addresses[id] = formatIp(cursor, pool.cidr.family);
    cursor++;
  }
  return { ok: true, network: network.name, addresses, allocated: missing };
}

/**
 * Networks every node is addressed on. Pod and service networks are overlay ranges handed to
 * Kubernetes; public addresses go only to the nodes a caller names (controllers, edge nodes).
 */
export const NODE_NETWORKS: readonly NetworkName[] = [
  "provisioning",
  "management",
  "storage",
  "tenant",
];

export interface PlanAddressesOptions {
  /** The provisioning network's DHCP range (settings.dhcp): node addresses stay out of it. */
  dhcp?: { start: string; end: string };
  /** Which nodes need an address on which network; defaults to every node on NODE_NETWORKS. */
  wants?: (node: Node, network: Network) => boolean;
}

export interface AddressPlan {
  ok: boolean;
  /** node id → network → address. */
  byNode: Record<string, Partial<Record<NetworkName, string>>>;
  errors: AllocationError[];
}

export function defaultWants(_node: Node, network: Network): boolean {
  return NODE_NETWORKS.includes(network.name);
}

/** Reservations beyond the network's own: the DHCP range on the provisioning network. */
export function reservedFor(
  network: Network,
  dhcp?: { start: string; end: string },
): ReservedAddresses {
  return network.name === "provisioning" && dhcp ? { ranges: [dhcp] } : {};
}

/** Addresses for every node on every network it needs, keeping the addresses nodes already hold. */
export function planAddresses(
  networks: readonly Network[],
  nodes: readonly Node[],
  options: PlanAddressesOptions = {},
): AddressPlan {
  const wants = options.wants ?? defaultWants;
  const byNode: AddressPlan["byNode"] = {};
  for (const id of sortNodeIds(nodes.map((n) => n.id))) byNode[id] = {};
  const errors: AllocationError[] = [];
  for (const network of networks) {
    const members = nodes.filter((node) => wants(node, network));
    if (members.length === 0) continue;
    const existing: Record<string, string | undefined> = {};
    for (const node of members) existing[node.id] = node.addresses[network.name];
    const result = allocate(
      network,
      members.map((n) => n.id),
      { existing, reserved: reservedFor(network, options.dhcp) },
    );
    if (!result.ok) {
      errors.push(result.error);
      continue;
    }
    for (const [id, address] of Object.entries(result.addresses)) {
      (byNode[id] as Partial<Record<NetworkName, string>>)[network.name] = address;
    }
  }
  return { ok: errors.length === 0, byNode, errors };
}
