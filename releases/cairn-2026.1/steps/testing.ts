/**
 * Test fixtures for the built-in release's steps: a realistic step input (six lab nodes with
 * addresses on every network, site-like settings), a throwaway root folder, and a runner that
 * collects what a step prints. Used by the step tests only.
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { labNodes } from "../../../domain/lab/inventory";
import type { Network, Settings } from "../../../domain/model";
import { stepContractSchema, type StepContract } from "../../../domain/release/contract";
import { defaultDhcpRange, defaultSettings } from "../../../domain/settings/defaults";
import { contextFrom, type StepContext } from "../../sdk/step";

export type Topology = "hyperconverged" | "split";

/** Roles of lab-0001…lab-0006: three controllers, then compute and storage. */
export const TOPOLOGY_ROLES: Record<Topology, string[][]> = {
  hyperconverged: [["controller"], ["controller"], ["controller"], ["hci"], ["hci"], ["hci"]],
  split: [["controller"], ["controller"], ["controller"], ["compute"], ["compute"], ["storage"]],
};

export interface SampleOptions {
  topology?: Topology;
  /** Roles per node, replacing the topology's (its length sets the number of nodes, at most 16). */
  roles?: string[][];
  /** Index of the node the step runs on (0 = lab-0001). */
  node?: number;
  mode?: "apply" | "noop";
  /** Address family of the management network. */
  family?: 4 | 6;
  ntp?: Partial<Settings["ntp"]>;
  dns?: Partial<Settings["dns"]>;
  overcommit?: Partial<Settings["overcommit"]>;
  /** Drops the networks (a cluster whose networks are not defined yet). */
  noNetworks?: boolean;
}

export const SAMPLE_DOMAIN = "cloud.example.com";

export function managementAddress(index: number, family: 4 | 6 = 4): string {
  return family === 4 ? `10.20.0.${11 + index}` : `fd00:20::${11 + index}`;
}

function networks(family: 4 | 6): Network[] {
  const net = (n: Partial<Network> & Pick<Network, "name" | "cidr">): Network => ({
    vlan: null,
    mtu: 1500,
    ranges: [],
    vips: [],
    ...n,
  });
  return [
    net({ name: "provisioning", cidr: "10.10.0.0/24", gateway: "10.10.0.1" }),
    family === 4
      ? net({
          name: "management",
          cidr: "10.20.0.0/24",
          vlan: 20,
          gateway: "10.20.0.1",
          vips: [{ name: "internal", address: "10.20.0.10" }],
        })
      : net({
          name: "management",
          cidr: "fd00:20::/64",
          vlan: 20,
          gateway: "fd00:20::1",
          vips: [{ name: "internal", address: "fd00:20::10" }],
        }),
    net({ name: "storage", cidr: "10.30.0.0/24", vlan: 30, mtu: 9000 }),
    net({ name: "public", cidr: "192.0.2.0/24", gateway: "192.0.2.1" }),
  ];
}

/** A step input as the server would write it, checked by the step contract's schema. */
export function sampleInput(options: SampleOptions = {}): StepContract {
  const { topology = "hyperconverged", node = 0, mode = "apply", family = 4 } = options;
  const roles = options.roles ?? TOPOLOGY_ROLES[topology];
  const lab = labNodes(roles.length);
  const peers = lab.map((n, i) => ({
    id: n.id,
    hostname: n.hostname,
    roles: roles[i] ?? [],
    addresses: {
      provisioning: `10.10.0.${11 + i}`,
      management: managementAddress(i, family),
      storage: `10.30.0.${11 + i}`,
    },
    provisioningMac: n.hardware.nics[0]?.mac,
  }));
  const self = lab[node];
  const peer = peers[node];
  if (!self || !peer) throw new RangeError(`node ${node} is not one of the ${roles.length} nodes`);
  const base = defaultSettings({
    dnsServers: ["10.0.0.53", "10.0.0.54"],
    domain: SAMPLE_DOMAIN,
    provisioningCidr: "10.10.0.0/24",
  });
  const settings: Settings = {
    ...base,
    ntp: { ...base.ntp, servers: ["10.0.0.123", "ntp1.example.com"], ...options.ntp },
    dns: { ...base.dns, ...options.dns },
    dhcp: defaultDhcpRange("10.10.0.0/24"),
    overcommit: { ...base.overcommit, ...options.overcommit },
  };
  return stepContractSchema.parse({
    task: { id: "task-1", kind: "deploy", mode },
    step: { id: `step-${node}`, key: "host", attempt: 1 },
    cluster: {
      id: "cluster-1",
      name: "lab",
      kind: topology,
      releaseId: "cairn-2026.1",
      settings,
      networks: options.noNetworks ? [] : networks(family),
    },
    node: { ...peer, hardware: self.hardware },
    nodes: peers,
  });
}

/** A fresh, empty root folder; `dispose` removes it. */
export async function tempRoot(): Promise<{ root: string; dispose: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), "cairn-step-"));
  return { root, dispose: () => rm(root, { recursive: true, force: true }) };
}

export interface StepRun {
  ctx: StepContext;
  /** What the step printed, line by line. */
  lines: string[];
}

/** Runs a step against `root` and collects its output. */
export async function runStepIn(
  step: (ctx: StepContext) => Promise<void>,
  input: StepContract,
  root: string,
): Promise<StepRun> {
  const lines: string[] = [];
  const ctx = contextFrom(input, root, (line) => lines.push(line));
  await step(ctx);
  return { ctx, lines };
}

/** Every entry under `root` (files and directories, relative, sorted): for "wrote nothing". */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      if ((await stat(full)).isDirectory()) {
        out.push(`${rel}/`);
        await walk(full);
      } else out.push(rel);
    }
  };
  await walk(root);
  return out;
}

export async function readUnder(root: string, rel: string): Promise<string> {
  return readFile(path.join(root, rel), "utf8");
}
