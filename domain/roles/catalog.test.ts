import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { builtinCatalog } from "./builtin";
import {
  checkCustomRole,
  effectiveLimits,
  loadRoleCatalog,
  nodeRequirements,
  parseRoleCatalog,
  resolveRole,
  roleConflicts,
  servicesOfRoles,
} from "./catalog";

const yamlPath = fileURLToPath(new URL("../../releases/cairn-2026.1/roles.yaml", import.meta.url));
const yamlText = readFileSync(yamlPath, "utf8");

describe("the built-in catalog", () => {
  it("is exactly what releases/cairn-2026.1/roles.yaml says", () => {
    const parsed = parseRoleCatalog(yamlText);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(builtinCatalog).toEqual(parsed.catalog);
  });

  it("ships the roles the brief names, with the controller's limits", () => {
    expect(builtinCatalog.roles.map((r) => r.name).sort()).toEqual(
      [
        "compute",
        "controller",
        "controller-hci",
        "hci",
        "network",
        "storage",
        "storage-lvm",
      ].sort(),
    );
    const control = builtinCatalog.services.find((s) => s.name === "openstack-control");
    expect(control?.limits).toMatchObject({ min: 1, recommended: 3, max: 7, odd: true });
    expect(resolveRole(builtinCatalog, "controller")?.services).toContain("openstack-control");
    expect(resolveRole(builtinCatalog, "controller-hci")?.services).toEqual(
      expect.arrayContaining(["openstack-control", "nova-compute", "ceph-osd"]),
    );
  });
});

describe("parseRoleCatalog", () => {
  const minimal = () =>
    parse(yamlText) as {
      services: { name: string; conflicts?: string[] }[];
      roles: Record<string, unknown>[];
    };

  it("names the path of a shape error", () => {
    const raw = minimal();
    (raw.roles[1] as { services: unknown }).services = "nova-compute";
    const result = parseRoleCatalog(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.path).toBe("roles[1].services");
  });

  it("names an unknown service a role refers to", () => {
    const raw = minimal();
    (raw.roles[0] as { services: string[] }).services = ["openstack-control", "keystone"];
    const result = parseRoleCatalog(raw);
    expect(result).toEqual({
      ok: false,
      issues: [{ path: "roles[0].services[1]", message: 'unknown service "keystone"' }],
    });
  });

  it("names unknown conflicts, duplicates, bad limits and conflicting services inside a role", () => {
    const raw = minimal();
    (raw.roles[0] as { conflicts: string[] }).conflicts = ["controler"];
    raw.roles.push({ ...raw.roles[1], name: "compute" });
    (raw.roles[2] as { limits: unknown }).limits = { min: 5, max: 2 };
    raw.roles.push({
      name: "both",
      description: { en: "b", "zh-CN": "乙" },
      services: ["ceph-osd", "cinder-volume-lvm"],
    });
    const result = parseRoleCatalog(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => i.path)).toEqual(
        expect.arrayContaining([
          "roles[0].conflicts[0]",
          "roles[7].name",
          "roles[2].limits.min",
          "roles[8].services",
        ]),
      );
    }
  });

  it("reports YAML syntax errors at the root", () => {
    const result = parseRoleCatalog("services: [unclosed");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.message).toMatch(/not valid YAML/);
    expect(() => loadRoleCatalog("services: []\nroles: []")).toThrow(
      /invalid role catalog: services/,
    );
  });
});

describe("resolving roles", () => {
  const custom = [{ name: "edge", services: ["nova-compute", "neutron-l3", "made-up"] }];

  it("resolves catalog roles, custom roles and nothing", () => {
    expect(resolveRole(builtinCatalog, "storage")).toMatchObject({
      kind: "catalog",
      services: ["ceph-osd"],
    });
    expect(resolveRole(builtinCatalog, "edge", custom)).toMatchObject({
      kind: "custom",
      services: custom[0]!.services,
    });
    expect(resolveRole(builtinCatalog, "nope", custom)).toBeNull();
  });

  it("collects the known services of several roles", () => {
    expect(
      [...servicesOfRoles(builtinCatalog, ["compute", "edge", "nope"], custom)].sort(),
    ).toEqual(["kube-worker", "neutron-l3", "nova-compute"]);
  });

  it("finds role conflicts, including '*' and services brought by custom roles", () => {
    expect(roleConflicts(builtinCatalog, ["controller", "network"])).toEqual([]);
    expect(roleConflicts(builtinCatalog, ["network", "controller-hci"])).toEqual([
      { via: "role", a: "controller-hci", b: "network" },
    ]);
    expect(
      roleConflicts(
        builtinCatalog,
        ["storage", "lvm"],
        [{ name: "lvm", services: ["cinder-volume-lvm"] }],
      ),
    ).toEqual([
      { via: "service", a: "ceph-osd", b: "cinder-volume-lvm", roleA: "storage", roleB: "lvm" },
    ]);
  });

  it("checks custom roles", () => {
    expect(checkCustomRole(builtinCatalog, { name: "edge", services: ["nova-compute"] })).toEqual(
      [],
    );
    expect(checkCustomRole(builtinCatalog, { name: "Edge", services: [] })).toEqual([
      { kind: "invalid-name" },
      { kind: "empty" },
    ]);
    expect(
      checkCustomRole(builtinCatalog, { name: "compute", services: ["nova-computer"] }),
    ).toEqual([{ kind: "name-taken" }, { kind: "unknown-service", service: "nova-computer" }]);
    expect(
      checkCustomRole(builtinCatalog, { name: "mix", services: ["cinder-volume-lvm", "ceph-osd"] }),
    ).toEqual([{ kind: "conflict", a: "ceph-osd", b: "cinder-volume-lvm" }]);
  });
});

describe("nodeRequirements", () => {
  it("takes the role's own minimums", () => {
    expect(nodeRequirements(builtinCatalog, ["controller"])).toMatchObject({
      cores: 16,
      memoryGiB: 64,
      installDiskGB: 200,
      containersGiB: 100,
    });
    expect(nodeRequirements(builtinCatalog, ["storage"])).toMatchObject({
      dataDisks: 1,
      dataDiskGB: 100,
      virtualization: false,
    });
    expect(nodeRequirements(builtinCatalog, ["compute"]).virtualization).toBe(true);
  });

  it("sums the services of a custom role", () => {
    const req = nodeRequirements(
      builtinCatalog,
      ["db"],
      [{ name: "db", services: ["mariadb-galera", "rabbitmq"] }],
    );
    expect(req).toMatchObject({ cores: 3, memoryGiB: 12, containersGiB: 50 });
  });

  it("never goes below the sum of services when roles are combined", () => {
    const req = nodeRequirements(builtinCatalog, ["controller", "compute"]);
    // controller services 13 cores / 42 GiB + nova-compute 2 / 8 + kube-worker 1 / 4 = 16 / 54; the controller role says 16 / 64.
    expect(req).toMatchObject({ cores: 16, memoryGiB: 64, virtualization: true });
  });
});

describe("effectiveLimits", () => {
  const limits = builtinCatalog.roles.find((r) => r.name === "network")!.limits;

  it("uses the base limits when no override matches", () => {
    expect(effectiveLimits(limits, { kind: "split", ha: true })).toEqual({ recommended: 2 });
  });

  it("applies the first matching override with its reason", () => {
    const eff = effectiveLimits(limits, { kind: "split", ha: false });
    expect(eff.recommended).toBe(1);
    expect(eff.note?.["zh-CN"]).toMatch(/高可用/);
  });
});
