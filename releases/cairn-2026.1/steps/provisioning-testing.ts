/**
 * Test fixtures for the provisioning-network, disk-layout and service-deployment steps: a
 * realistic six-node lab cluster (three controllers, a compute node, a hyperconverged node and a
 * storage node from `labNodes`), its networks with VLANs and VIPs, addresses from the real IPAM,
 * and step inputs parsed through the step contract. Deterministic: the same call gives the same
 * input.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { labNodes } from "../../../domain/lab/inventory";
import type { Network, Node, Settings } from "../../../domain/model";
import { planAddresses } from "../../../domain/network/ipam";
import {
  stepContractSchema,
  type Peer,
  type StepContract,
  type StepContractData,
} from "../../../domain/release/contract";
import { contextFrom, type StepContext } from "../../sdk/step";

const ROLE_OF_CLASS: Record<string, string> = {
  "controller-class": "controller",
  "compute-class": "compute",
  "storage-class": "storage",
  "hci-class": "hci",
};

export const PROVISIONING_SETTINGS: Settings = {
  ntp: { servers: ["10.0.0.2"], clients: "controllers" },
  dns: { servers: ["10.0.0.2"], domain: "cloud.internal" },
  dhcp: { start: "10.20.0.128", end: "10.20.0.254" },
  overcommit: { cpu: 4, ram: 1, disk: 1, reservedHostMemoryMiB: 4096, reservedHostCpus: 0 },
  ha: true,
  ceph: { poolSize: 3, minSize: 2 },
};

export function provisioningNetworks(): Network[] {
  const network = (n: Partial<Network> & Pick<Network, "name" | "cidr">): Network => ({
    vlan: null,
    mtu: 1500,
    ranges: [],
    vips: [],
    ...n,
  });
  return [
    network({ name: "provisioning", cidr: "10.20.0.0/24", gateway: "10.20.0.1" }),
    network({
      name: "management",
      cidr: "10.30.0.0/24",
      vlan: 101,
      gateway: "10.30.0.1",
      vips: [{ name: "internal", address: "10.30.0.10" }],
    }),
    network({ name: "storage", cidr: "10.40.0.0/24", vlan: 102, mtu: 9000 }),
    network({
      name: "public",
      cidr: "203.0.113.0/24",
      vlan: 103,
      gateway: "203.0.113.1",
      vips: [{ name: "public", address: "203.0.113.10" }],
    }),
    network({ name: "tenant", cidr: "10.50.0.0/24", vlan: 104, mtu: 9000 }),
  ];
}

/**
 * The lab cluster: lab-0001…0003 (controllers), lab-0004 (compute, aarch64 VM), lab-0005 (hci
 * VM) and lab-0008 (storage server with eight data disks), with roles and addresses.
 */
export function provisioningNodes(): Node[] {
  const all = labNodes(8);
  const picked = [0, 1, 2, 3, 4, 7].map((i) => all[i] as Node);
  const withRoles = picked.map((n) => ({
    ...n,
    roles: n.tags.map((t) => ROLE_OF_CLASS[t]).filter((r): r is string => r !== undefined),
  }));
  const plan = planAddresses(provisioningNetworks(), withRoles, {
    dhcp: PROVISIONING_SETTINGS.dhcp,
  });
  if (!plan.ok) throw new Error(`fixture addresses: ${JSON.stringify(plan.errors)}`);
  return withRoles.map((n) => ({ ...n, addresses: plan.byNode[n.id] ?? {} }));
}

/** The region's provisioning node in these fixtures: the first controller serves DHCP/PXE. */
export const PROVISIONING_HOST = "lab-0001";

export function peerOf(node: Node): Peer {
  const boot = node.hardware.nics.find((n) => n.pxe) ?? node.hardware.nics[0];
  return {
    id: node.id,
    hostname: node.hostname,
    roles: node.roles,
    addresses: node.addresses,
    ...(boot ? { provisioningMac: boot.mac } : {}),
    provisioningNode: node.hostname === PROVISIONING_HOST,
  };
}

export interface ProvisioningOverrides {
  /** Host name of the node the step runs on (default lab-0001, the provisioning node). */
  node?: string;
  mode?: "apply" | "noop";
  kind?: string;
  /** Host names removed by this operation: gone from `nodes`, listed in `changes.removedNodes`. */
  removed?: string[];
  /** Host names added by this operation. */
  added?: string[];
  settings?: Partial<Settings>;
  networks?: Network[];
  clusterName?: string;
  /** Edits the node list (after removal) before the input is built. */
  nodes?: (nodes: Node[]) => Node[];
}

export function provisioningInput(over: ProvisioningOverrides = {}): StepContract {
  const removed = new Set(over.removed ?? []);
  let nodes = provisioningNodes();
  const gone = nodes.filter((n) => removed.has(n.hostname));
  nodes = nodes.filter((n) => !removed.has(n.hostname));
  if (over.nodes) nodes = over.nodes(nodes);
  const hostname = over.node ?? "lab-0001";
  const self = [...nodes, ...gone].find((n) => n.hostname === hostname);
  if (!self) throw new Error(`fixture: no node ${hostname}`);
  const data: StepContractData = {
    task: { id: "task-1", kind: over.kind ?? "provision", mode: over.mode ?? "apply" },
    step: { id: "step-1", key: `step@${hostname}`, attempt: 1 },
    cluster: {
      id: "c-7f3a",
      name: over.clusterName ?? "Lab West",
      kind: "hyperconverged",
      releaseId: "cairn-2026.1",
      settings: { ...PROVISIONING_SETTINGS, ...over.settings },
      networks: over.networks ?? provisioningNetworks(),
    },
    node: { ...peerOf(self), hardware: self.hardware },
    nodes: nodes.map(peerOf),
    changes: {
      addedNodes: nodes.filter((n) => over.added?.includes(n.hostname)).map((n) => n.id),
      removedNodes: gone.map(peerOf),
    },
  };
  return stepContractSchema.parse(data);
}

/** A throwaway root folder and a context on it that collects the step's output lines. */
export function stepRun(input: StepContract, root?: string) {
  const dir = root ?? mkdtempSync(path.join(os.tmpdir(), "cairn-prov-"));
  const out: string[] = [];
  const ctx: StepContext = contextFrom(input, dir, (line) => out.push(line));
  return { root: dir, out, ctx, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The same input in another mode (a fresh parse, so runs never share state). */
export function withMode(input: StepContract, mode: "apply" | "noop"): StepContract {
  return stepContractSchema.parse({ ...input, task: { ...input.task, mode } });
}
