/**
 * services on lab roots: the inputs of kolla-ansible, cephadm and kubeadm are written where each
 * tool runs and pass their schemas; on a lab node and in noop the exact command lines are printed
 * and nothing runs; a real node refuses before running anything when a tool is missing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readCephSpecFile } from "../../../domain/release/services/cephadm";
import {
  kollaInventorySchema,
  parseInventory,
  readKollaGlobals,
} from "../../../domain/release/services/kolla";
import { readJoinConfiguration } from "../../../domain/release/services/kubeadm";
import services, { deployServices } from "./services";
import { provisioningInput, stepRun, withMode } from "./provisioning-testing";

const GLOBALS = "etc/cairn/deploy/kolla/globals.yml";
const INVENTORY = "etc/cairn/deploy/kolla/multinode";
const CEPH = "etc/cairn/deploy/ceph/cluster.yaml";
const JOIN = "etc/cairn/deploy/kubernetes/join.yaml";
const SECRETS = "etc/cairn/secrets/kubeadm-join.json";
const CA_HASH = `sha256:${"5e".repeat(32)}`;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function run(input: ReturnType<typeof provisioningInput>, root?: string) {
  const r = stepRun(input, root);
  if (!root) cleanups.push(r.cleanup);
  return r;
}

const deploy = (over: Parameters<typeof provisioningInput>[0] = {}) =>
  provisioningInput({ kind: "deploy", ...over });
const read = (root: string, rel: string) => readFileSync(path.join(root, rel), "utf8");

function tree(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tree(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

function writeSecrets(root: string) {
  mkdirSync(path.join(root, path.dirname(SECRETS)), { recursive: true });
  writeFileSync(
    path.join(root, SECRETS),
    JSON.stringify({ token: "k8s0ab.0123456789abcdef", caCertHashes: [CA_HASH] }),
    { mode: 0o600 },
  );
}

const KOLLA_LINES = [
  "kolla-ansible bootstrap-servers -i /etc/cairn/deploy/kolla/multinode --configdir /etc/cairn/deploy/kolla",
  "kolla-ansible prechecks -i /etc/cairn/deploy/kolla/multinode --configdir /etc/cairn/deploy/kolla",
  "kolla-ansible deploy -i /etc/cairn/deploy/kolla/multinode --configdir /etc/cairn/deploy/kolla",
];
const CEPH_LINE =
  "cephadm bootstrap --mon-ip 10.40.0.1 --apply-spec /etc/cairn/deploy/ceph/cluster.yaml";

describe("services step on the first controller (kolla-ansible and cephadm)", () => {
  it("writes the kolla and cephadm inputs and prints the commands without running them", async () => {
    const { root, ctx, out } = run(deploy());
    await services(ctx);
    expect(tree(root).sort()).toEqual([CEPH, GLOBALS, INVENTORY]);

    const globals = readKollaGlobals(read(root, GLOBALS));
    expect(globals).toMatchObject({
      kolla_internal_vip_address: "10.30.0.10",
      kolla_external_vip_address: "203.0.113.10",
      network_interface: "enp33s0f0.101",
      tunnel_interface: "enp33s0f0.104",
      neutron_external_interface: "enp33s0f1",
      enable_haproxy: "yes",
      glance_backend_ceph: "yes",
    });
    const inventory = kollaInventorySchema.parse(parseInventory(read(root, INVENTORY)));
    expect(Object.keys(inventory.control!.hosts)).toEqual(["lab-0001", "lab-0002", "lab-0003"]);
    expect(Object.keys(inventory.compute!.hosts)).toEqual(["lab-0004", "lab-0005"]);
    expect(Object.keys(inventory.storage!.hosts)).toEqual(["lab-0005", "lab-0008"]);
    expect(inventory.compute!.hosts["lab-0004"]).toEqual({ ansible_host: "10.30.0.5" });

    const specs = readCephSpecFile(read(root, CEPH));
    expect(
      specs.map((s) => (s.service_type === "host" ? `host ${s.hostname}` : s.service_type)),
    ).toEqual([
      "host lab-0001",
      "host lab-0002",
      "host lab-0003",
      "host lab-0005",
      "host lab-0008",
      "mon",
      "mgr",
      "osd",
    ]);

    expect(out.filter((l) => l.startsWith("lab node: not run: "))).toEqual(
      [CEPH_LINE, ...KOLLA_LINES].map((l) => `lab node: not run: ${l}`),
    );
    expect(out.some((l) => l.startsWith("$ "))).toBe(false);
  });

  it("changes nothing when run again", async () => {
    const first = run(deploy());
    await services(first.ctx);
    const again = run(deploy(), first.root);
    await services(again.ctx);
    expect(new Set(again.ctx.changes.map((c) => c.change))).toEqual(
      new Set(["unchanged", "absent"]),
    );
    expect(again.ctx.changes.filter((c) => c.change === "unchanged").map((c) => c.path)).toEqual([
      `/${CEPH}`,
      `/${GLOBALS}`,
      `/${INVENTORY}`,
    ]);
  });

  it("in noop shows the files as diffs, prints the commands and writes nothing", async () => {
    const { root, ctx, out } = run(withMode(deploy(), "noop"));
    await services(ctx);
    expect(tree(root)).toEqual([]);
    expect(out).toContain(`would create /${GLOBALS}:`);
    expect(out).toContain('+kolla_internal_vip_address: "10.30.0.10"');
    expect(out).toContain(`would create /${INVENTORY}:`);
    expect(out).toContain("+lab-0008 ansible_host=10.30.0.7");
    expect(out).toContain(`would create /${CEPH}:`);
    expect(out.filter((l) => l.startsWith("lab node: not run: "))).toHaveLength(4);
  });

  it("applies to a running Ceph cluster instead of bootstrapping one", async () => {
    const r = run(deploy());
    mkdirSync(path.join(r.root, "etc/ceph"), { recursive: true });
    writeFileSync(path.join(r.root, "etc/ceph/ceph.conf"), "[global]\n");
    await services(r.ctx);
    expect(r.out).toContain(
      "lab node: not run: cephadm shell --mount /etc/cairn/deploy/ceph/cluster.yaml:/mnt/cairn/cluster.yaml -- ceph orch apply -i /mnt/cairn/cluster.yaml",
    );
  });

  it("on a real node refuses before running anything when a tool or kolla's passwords are missing", async () => {
    const r = run(deploy());
    await expect(deployServices(r.ctx, { realNode: true, locate: () => null })).rejects.toThrow(
      [
        "cannot deploy the services from lab-0001:",
        "  - cephadm is not installed on lab-0001 (install: apt-get install cephadm)",
        "  - kolla-ansible is not installed on lab-0001 (install: pip install kolla-ansible, then kolla-ansible install-deps)",
        "  - /etc/cairn/deploy/kolla/passwords.yml does not exist: Cairn never writes OpenStack's passwords. Create it on lab-0001: copy etc_examples/kolla/passwords.yml from kolla-ansible's share folder to /etc/cairn/deploy/kolla/passwords.yml, then run kolla-genpwd -p /etc/cairn/deploy/kolla/passwords.yml",
      ].join("\n"),
    );
    expect(r.out.some((l) => l.startsWith("$ "))).toBe(false);
  });

  it("on a real node runs the tools in order: cephadm, then kolla-ansible", async () => {
    const r = run(deploy());
    mkdirSync(path.join(r.root, "etc/cairn/deploy/kolla"), { recursive: true });
    writeFileSync(path.join(r.root, "etc/cairn/deploy/kolla/passwords.yml"), "---\n");
    // `true` stands in for every tool: the step's command lines are what is under test.
    await deployServices(r.ctx, { realNode: true, locate: () => "true" });
    expect(r.out.filter((l) => l.startsWith("$ "))).toEqual(
      [CEPH_LINE, ...KOLLA_LINES].map((l) => `$ true ${l.split(" ").slice(1).join(" ")}`),
    );
  });
});

describe("services step on a Kubernetes worker (kubeadm)", () => {
  it("writes the join configuration, private to root, and prints kubeadm join", async () => {
    const r = run(deploy({ node: "lab-0004" }));
    writeSecrets(r.root);
    await services(r.ctx);
    expect(tree(r.root).sort()).toEqual([JOIN, SECRETS]);
    const join = readJoinConfiguration(read(r.root, JOIN));
    expect(join.discovery.bootstrapToken).toEqual({
      apiServerEndpoint: "10.30.0.10:6443",
      token: "k8s0ab.0123456789abcdef",
      caCertHashes: [CA_HASH],
    });
    expect(join.nodeRegistration).toEqual({
      name: "lab-0004",
      criSocket: "unix:///run/containerd/containerd.sock",
      kubeletExtraArgs: [{ name: "node-ip", value: "10.30.0.5" }],
    });
    expect(statSync(path.join(r.root, JOIN)).mode & 0o777).toBe(0o600);
    expect(r.out).toContain(
      "lab node: not run: kubeadm join --config /etc/cairn/deploy/kubernetes/join.yaml",
    );

    const again = run(deploy({ node: "lab-0004" }), r.root);
    await services(again.ctx);
    expect(again.ctx.changes.find((c) => c.path === `/${JOIN}`)?.change).toBe("unchanged");
  });

  it("says why there is no join configuration when the bootstrap token is missing", async () => {
    const r = run(deploy({ node: "lab-0004" }));
    await services(r.ctx);
    expect(tree(r.root)).toEqual([]);
    expect(r.out).toContain(
      "lab node: note: no bootstrap token for kubeadm join: /etc/cairn/secrets/kubeadm-join.json (token and caCertHashes of the cluster) is missing, so /etc/cairn/deploy/kubernetes/join.yaml was not written",
    );
  });

  it("does not join twice", async () => {
    const r = run(deploy({ node: "lab-0004" }));
    writeSecrets(r.root);
    mkdirSync(path.join(r.root, "etc/kubernetes"), { recursive: true });
    writeFileSync(path.join(r.root, "etc/kubernetes/kubelet.conf"), "apiVersion: v1\n");
    await deployServices(r.ctx, { realNode: true, locate: () => null });
    expect(r.out).toContain(
      "lab-0004 has joined Kubernetes already (/etc/kubernetes/kubelet.conf): kubeadm join is not run again",
    );
  });
});

describe("services step elsewhere", () => {
  it("on a storage node runs nothing and says where the tools run", async () => {
    const r = run(deploy({ node: "lab-0008" }));
    await services(r.ctx);
    expect(tree(r.root)).toEqual([]);
    expect(r.out).toEqual([
      "lab-0008 runs no deployment tool: kolla-ansible runs on lab-0001, cephadm on lab-0001",
    ]);
  });

  it("takes a tool's inputs away from a node that no longer runs it", async () => {
    const first = run(deploy());
    await services(first.ctx);
    // lab-0001 becomes a compute node: lab-0002 is now the first controller.
    const demoted = deploy({
      nodes: (nodes) =>
        nodes.map((n) => (n.hostname === "lab-0001" ? { ...n, roles: ["compute"] } : n)),
    });
    const again = run(demoted, first.root);
    await services(again.ctx);
    expect(again.ctx.changes.filter((c) => c.change === "removed").map((c) => c.path)).toEqual([
      `/${CEPH}`,
      `/${GLOBALS}`,
      `/${INVENTORY}`,
    ]);
    expect(tree(first.root)).toEqual([]);
  });
});
