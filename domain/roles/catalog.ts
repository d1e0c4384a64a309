/**
 * One parser and one resolver for role catalogs, shared by browser, server and CLI (Fuel kept a
 * copy in the UI and another in the server, and they drifted).
 */
import { parse as parseYaml } from "yaml";
import type { Localized } from "../i18n";
import type { ClusterKind } from "../model";
import {
  roleCatalogSchema,
  type HardwareMinimums,
  type Limits,
  type Role,
  type RoleCatalog,
  type Service,
} from "./schema";

export interface CatalogIssue {
  /** Dotted path into the catalog, e.g. "roles[2].services[1]". */
  path: string;
  message: string;
}

export type CatalogResult =
  { ok: true; catalog: RoleCatalog } | { ok: false; issues: CatalogIssue[] };

export interface CustomRole {
  name: string;
  services: string[];
}

function pathOf(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out || "(root)";
}

/** Parses a catalog from YAML/JSON text or an already-parsed object, and checks its references. */
export function parseRoleCatalog(input: string | unknown): CatalogResult {
  let raw: unknown = input;
  if (typeof input === "string") {
    try {
      raw = parseYaml(input);
    } catch (error) {
      return {
        ok: false,
        issues: [
          {
            path: "(root)",
            message: `not valid YAML: ${(error as Error).message}`,
          },
        ],
      };
    }
  }
  const parsed = roleCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({
        path: pathOf(i.path),
        message: i.message,
      })),
    };
  }
  const issues = referenceIssues(parsed.data);
  return issues.length ? { ok: false, issues } : { ok: true, catalog: parsed.data };
}

/** Like parseRoleCatalog, for catalogs that ship with Cairn: a bad one is a programming error. */
export function loadRoleCatalog(input: string | unknown): RoleCatalog {
  const result = parseRoleCatalog(input);
  if (!result.ok) {
    throw new Error(
      `invalid role catalog: ${result.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    );
  }
  return result.catalog;
}

function limitIssues(limits: Limits, path: string): CatalogIssue[] {
  const issues: CatalogIssue[] = [];
  const { min, max, recommended } = limits;
  if (min !== undefined && max !== undefined && min > max) {
    issues.push({
      path: `${path}.min`,
      message: `min ${min} is above max ${max}`,
    });
  }
  if (recommended !== undefined && max !== undefined && recommended > max) {
    issues.push({
      path: `${path}.recommended`,
      message: `recommended ${recommended} is above max ${max}`,
    });
  }
  if (recommended !== undefined && min !== undefined && recommended < min) {
    issues.push({
      path: `${path}.recommended`,
      message: `recommended ${recommended} is below min ${min}`,
    });
  }
  return issues;
}

function referenceIssues(catalog: RoleCatalog): CatalogIssue[] {
  const issues: CatalogIssue[] = [];
  const services = new Set<string>();
  catalog.services.forEach((s, i) => {
    if (services.has(s.name))
      issues.push({
        path: `services[${i}].name`,
        message: `duplicate service "${s.name}"`,
      });
    services.add(s.name);
  });
  const roles = new Set<string>();
  catalog.roles.forEach((r, i) => {
    if (roles.has(r.name))
      issues.push({
        path: `roles[${i}].name`,
        message: `duplicate role "${r.name}"`,
      });
    roles.add(r.name);
  });
  catalog.services.forEach((s, i) => {
    s.conflicts.forEach((c, j) => {
      if (!services.has(c)) {
        issues.push({
          path: `services[${i}].conflicts[${j}]`,
          message: `unknown service "${c}"`,
        });
      } else if (c === s.name) {
        issues.push({
          path: `services[${i}].conflicts[${j}]`,
          message: `service "${c}" conflicts with itself`,
        });
      }
    });
    issues.push(...limitIssues(s.limits, `services[${i}].limits`));
  });
  catalog.roles.forEach((r, i) => {
    r.services.forEach((s, j) => {
      if (!services.has(s))
        issues.push({
          path: `roles[${i}].services[${j}]`,
          message: `unknown service "${s}"`,
        });
    });
    r.conflicts.forEach((c, j) => {
      if (c !== "*" && !roles.has(c)) {
        issues.push({
          path: `roles[${i}].conflicts[${j}]`,
          message: `unknown role "${c}"`,
        });
      } else if (c === r.name) {
        issues.push({
          path: `roles[${i}].conflicts[${j}]`,
          message: `role "${c}" conflicts with itself`,
        });
      }
    });
    issues.push(...limitIssues(r.limits, `roles[${i}].limits`));
    const pairs = serviceConflicts(catalogIndex(catalog), r.services);
    for (const [a, b] of pairs) {
      issues.push({
        path: `roles[${i}].services`,
        message: `services "${a}" and "${b}" conflict`,
      });
    }
  });
  return issues;
}

export interface CatalogIndex {
  catalog: RoleCatalog;
  roles: ReadonlyMap<string, Role>;
  services: ReadonlyMap<string, Service>;
}

const indexes = new WeakMap<RoleCatalog, CatalogIndex>();

/** Name lookups for a catalog, built once per catalog object. */
export function catalogIndex(catalog: RoleCatalog): CatalogIndex {
  let index = indexes.get(catalog);
  if (!index) {
    index = {
      catalog,
      roles: new Map(catalog.roles.map((r) => [r.name, r])),
      services: new Map(catalog.services.map((s) => [s.name, s])),
    };
    indexes.set(catalog, index);
  }
  return index;
}

export type ResolvedRole =
  | { kind: "catalog"; name: string; role: Role; services: string[] }
  | { kind: "custom"; name: string; services: string[] };

/** A catalog role wins over a custom role of the same name (custom-role-valid reports the clash). */
export function resolveRole(
  catalog: RoleCatalog,
  name: string,
  customRoles: readonly CustomRole[] = [],
): ResolvedRole | null {
  const role = catalogIndex(catalog).roles.get(name);
  if (role) return { kind: "catalog", name, role, services: role.services };
  const custom = customRoles.find((r) => r.name === name);
  return custom ? { kind: "custom", name, services: custom.services } : null;
}

/** Services carried by a set of roles; unknown roles and unknown services contribute nothing. */
export function servicesOfRoles(
  catalog: RoleCatalog,
  roleNames: readonly string[],
  customRoles: readonly CustomRole[] = [],
): Set<string> {
  const index = catalogIndex(catalog);
  const out = new Set<string>();
  for (const name of roleNames) {
    const resolved = resolveRole(catalog, name, customRoles);
    if (!resolved) continue;
    for (const s of resolved.services) if (index.services.has(s)) out.add(s);
  }
  return out;
}

/** Pairs of services in the list that the catalog declares as conflicting (each pair once, sorted). */
export function serviceConflicts(
  index: CatalogIndex,
  services: Iterable<string>,
): [string, string][] {
  const list = [...new Set(services)];
  const have = new Set(list);
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const s of list) {
    for (const c of index.services.get(s)?.conflicts ?? []) {
      if (!have.has(c)) continue;
      const pair = [s, c].sort() as [string, string];
      const key = pair.join("\u0000");
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(pair);
    }
  }
  return out.sort((x, y) => x[0].localeCompare(y[0]) || x[1].localeCompare(y[1]));
}

export type RoleConflict =
  | { via: "role"; a: string; b: string }
  | { via: "service"; a: string; b: string; roleA: string; roleB: string };

/**
 * Conflicts among the roles assigned to one node: role-level (`conflicts`, including "*") and
 * service-level (a service's conflicts apply to every role carrying it, custom roles too).
 */
export function roleConflicts(
  catalog: RoleCatalog,
  roleNames: readonly string[],
  customRoles: readonly CustomRole[] = [],
): RoleConflict[] {
  const index = catalogIndex(catalog);
  const names = [...new Set(roleNames)];
  const out: RoleConflict[] = [];
  const seen = new Set<string>();
  const add = (c: RoleConflict) => {
    const key = `${c.via}\u0000${c.a}\u0000${c.b}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  };
  for (const name of names) {
    const role = index.roles.get(name);
    if (!role) continue;
    for (const other of names) {
      if (other === name) continue;
      if (role.conflicts.includes("*") || role.conflicts.includes(other)) {
        const [a, b] = [name, other].sort() as [string, string];
        add({ via: "role", a, b });
      }
    }
  }
  const carriers = new Map<string, string>();
  for (const name of names) {
    for (const s of resolveRole(catalog, name, customRoles)?.services ?? []) {
      if (!carriers.has(s)) carriers.set(s, name);
    }
  }
  for (const [a, b] of serviceConflicts(index, carriers.keys())) {
    const roleA = carriers.get(a) ?? "";
    const roleB = carriers.get(b) ?? "";
    if (
      roleA !== roleB &&
      out.some((c) => c.via === "role" && [c.a, c.b].includes(roleA) && [c.a, c.b].includes(roleB))
    ) {
      continue;
    }
    add({ via: "service", a, b, roleA, roleB });
  }
  return out;
}

export type CustomRoleProblem =
  | { kind: "invalid-name" }
  | { kind: "name-taken" }
  | { kind: "duplicate" }
  | { kind: "empty" }
  | { kind: "unknown-service"; service: string }
  | { kind: "conflict"; a: string; b: string };

const ROLE_NAME = /^[a-z][a-z0-9-]*$/;

/** What is wrong with an operator-defined role; empty when it is usable. */
export function checkCustomRole(
  catalog: RoleCatalog,
  role: CustomRole,
  others: readonly CustomRole[] = [],
): CustomRoleProblem[] {
  const index = catalogIndex(catalog);
  const problems: CustomRoleProblem[] = [];
  if (!ROLE_NAME.test(role.name) || role.name.length > 63) problems.push({ kind: "invalid-name" });
  if (index.roles.has(role.name)) problems.push({ kind: "name-taken" });
  if (others.filter((r) => r.name === role.name).length > 1) problems.push({ kind: "duplicate" });
  if (role.services.length === 0) problems.push({ kind: "empty" });
  for (const s of new Set(role.services)) {
    if (!index.services.has(s)) problems.push({ kind: "unknown-service", service: s });
  }
  for (const [a, b] of serviceConflicts(index, role.services))
    problems.push({ kind: "conflict", a, b });
  return problems;
}

export interface Requirements {
  cores: number;
  memoryGiB: number;
  installDiskGB: number;
  dataDisks: number;
  dataDiskGB: number;
  virtualization: boolean;
  containersGiB: number;
}

const CUSTOM_ROLE_CONTAINERS_GIB = 50;

/**
 * What a node with these roles needs: per figure, the larger of the catalog roles' own minimums
 * and the sum over the distinct services carried (so a custom role is sized from its services).
 */
export function nodeRequirements(
  catalog: RoleCatalog,
  roleNames: readonly string[],
  customRoles: readonly CustomRole[] = [],
): Requirements {
  const index = catalogIndex(catalog);
  const req: Requirements = {
    cores: 0,
    memoryGiB: 0,
    installDiskGB: 0,
    dataDisks: 0,
    dataDiskGB: 0,
    virtualization: false,
    containersGiB: 0,
  };
  const maxInto = (hw: HardwareMinimums) => {
    req.cores = Math.max(req.cores, hw.cores ?? 0);
    req.memoryGiB = Math.max(req.memoryGiB, hw.memoryGiB ?? 0);
    req.installDiskGB = Math.max(req.installDiskGB, hw.installDiskGB ?? 0);
    req.dataDisks = Math.max(req.dataDisks, hw.dataDisks ?? 0);
    req.dataDiskGB = Math.max(req.dataDiskGB, hw.dataDiskGB ?? 0);
    req.virtualization ||= hw.virtualization ?? false;
  };
  for (const name of new Set(roleNames)) {
    const resolved = resolveRole(catalog, name, customRoles);
    if (!resolved) continue;
    if (resolved.kind === "catalog") {
      maxInto(resolved.role.hardware);
      req.containersGiB = Math.max(req.containersGiB, resolved.role.containersGiB);
    } else {
      req.containersGiB = Math.max(req.containersGiB, CUSTOM_ROLE_CONTAINERS_GIB);
    }
  }
  let cores = 0;
  let memoryGiB = 0;
  for (const s of servicesOfRoles(catalog, roleNames, customRoles)) {
    const hw = index.services.get(s)?.hardware ?? {};
    cores += hw.cores ?? 0;
    memoryGiB += hw.memoryGiB ?? 0;
    maxInto({ ...hw, cores: 0, memoryGiB: 0 });
  }
  req.cores = Math.max(req.cores, cores);
  req.memoryGiB = Math.max(req.memoryGiB, memoryGiB);
  return req;
}

export interface EffectiveLimits {
  min?: number;
  max?: number;
  recommended?: number;
  odd?: boolean;
  /** The reason of the override in force, if one is. */
  note?: Localized;
}

/** Limits after the first override whose condition matches the cluster. */
export function effectiveLimits(
  limits: Limits,
  cluster: { kind: ClusterKind; ha: boolean },
): EffectiveLimits {
  const out: EffectiveLimits = {
    min: limits.min,
    max: limits.max,
    recommended: limits.recommended,
    odd: limits.odd,
  };
  const hit = limits.overrides.find(
    (o) =>
      (o.when.kind === undefined || o.when.kind === cluster.kind) &&
      (o.when.ha === undefined || o.when.ha === cluster.ha),
  );
  if (hit) {
    if (hit.min !== undefined) out.min = hit.min;
    if (hit.max !== undefined) out.max = hit.max;
    if (hit.recommended !== undefined) out.recommended = hit.recommended;
    out.note = hit.message;
  }
  return out;
}
