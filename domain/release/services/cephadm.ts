/**
 * cephadm's input: one multi-document YAML of service specifications (`ceph orch apply -i`, or
 * `cephadm bootstrap --apply-spec` on a new cluster): a host spec per Ceph node, the monitor and
 * manager placements, and the OSD spec.
 *
 * The OSD spec selects disks by the same rule the disk planner uses (domain/disk/plan.ts): every
 * fixed disk that is not the OS disk and is at least the role's OSD minimum. ceph-volume already
 * refuses disks holding partitions or LVM (the OS disk) and removable ones, so a size filter is
 * what remains to say — and unlike `/dev/sdX` paths it stays true when the kernel renames disks.
 * Sizes are decimal, as ceph's filter reads them (100G = 100·10⁹ bytes). Pure.
 */
import { parseAllDocuments, stringify } from "yaml";
import { z } from "zod";
import { DEFAULT_OSD_MIN_BYTES, GB } from "../../disk/plan";
import { parseCidr } from "../../network/ipam";
import { RFC1123_LABEL, type Network } from "../../model";
import { builtinCatalog } from "../../roles/builtin";
import { nodeRequirements } from "../../roles/catalog";
import type { RoleCatalog } from "../../roles/schema";
import { HostConfigError, managedHeader } from "../host/managed";
import { DEPLOY_DIR, addressOf, type ServiceNode, type ServiceTopology } from "./topology";

export const CEPH_DIR = `${DEPLOY_DIR}/ceph`;
export const CEPH_SPEC_PATH = `${CEPH_DIR}/cluster.yaml`;

const hostname = z.string().regex(RFC1123_LABEL, "a host name like lab-0001");
const placement = z.strictObject({ hosts: z.array(hostname).min(1) });

export const cephHostSpecSchema = z.strictObject({
  service_type: z.literal("host"),
  hostname,
  addr: z.string().min(1),
  labels: z.array(z.enum(["_admin", "mon", "mgr", "osd"])).min(1),
});
export const cephMonSpecSchema = z.strictObject({
  service_type: z.literal("mon"),
  placement,
  networks: z.array(z.string()).optional(),
});
export const cephMgrSpecSchema = z.strictObject({ service_type: z.literal("mgr"), placement });
export const cephOsdSpecSchema = z.strictObject({
  service_type: z.literal("osd"),
  service_id: z.string().regex(/^[a-z0-9-]+$/),
  placement,
  spec: z.strictObject({
    data_devices: z.strictObject({
      size: z.string().regex(/^\d+G:$/, "a minimum size like 100G:"),
    }),
    objectstore: z.literal("bluestore"),
    filter_logic: z.literal("AND"),
  }),
});
export const cephSpecSchema = z.discriminatedUnion("service_type", [
  cephHostSpecSchema,
  cephMonSpecSchema,
  cephMgrSpecSchema,
  cephOsdSpecSchema,
]);
export type CephSpec = z.infer<typeof cephSpecSchema>;

export interface CephInput {
  cluster: { id: string; name: string };
  networks: readonly Network[];
  topology: ServiceTopology;
  catalog?: RoleCatalog;
}

/** The smallest disk an OSD takes on this node, in whole decimal GB (the role's data-disk minimum). */
export function osdMinimumGB(node: ServiceNode, catalog: RoleCatalog = builtinCatalog): number {
  const gb = nodeRequirements(catalog, node.roles).dataDiskGB;
  return gb > 0 ? gb : Math.ceil(DEFAULT_OSD_MIN_BYTES / GB);
}

/** The specifications, in the order cephadm should apply them (hosts before the daemons placed on them). */
export function cephSpecs(input: CephInput): CephSpec[] {
  const { topology } = input;
  if (topology.cephMon.length === 0)
    throw new HostConfigError(
      "nodes",
      "the cluster has Ceph OSD nodes but no node carries ceph-mon: give the controllers their role",
    );
  const cephNodes = topology.nodes.filter(
    (n) => n.services.has("ceph-mon") || n.services.has("ceph-mgr") || n.services.has("ceph-osd"),
  );
  const specs: CephSpec[] = cephNodes.map((node) => {
    const labels: ("_admin" | "mon" | "mgr" | "osd")[] = [];
    // Monitor hosts get the admin keyring and ceph.conf, so any of them can run `ceph orch`.
    if (node.services.has("ceph-mon")) labels.push("_admin", "mon");
    if (node.services.has("ceph-mgr")) labels.push("mgr");
    if (node.services.has("ceph-osd")) labels.push("osd");
    return {
      service_type: "host",
      hostname: node.hostname,
      addr: addressOf(node, "management", "cephadm (its SSH address)"),
      labels,
    };
  });
  const storage = input.networks.find((n) => n.name === "storage");
  const storageCidr = storage ? parseCidr(storage.cidr) : undefined;
  specs.push({
    service_type: "mon",
    placement: { hosts: topology.cephMon.map((n) => n.hostname) },
    // Monitors listen on the storage network, which clients and OSDs share.
    ...(storageCidr?.ok ? { networks: [storageCidr.cidr.text] } : {}),
  });
  if (topology.cephMgr.length > 0)
    specs.push({
      service_type: "mgr",
      placement: { hosts: topology.cephMgr.map((n) => n.hostname) },
    });
  const byMinimum = new Map<number, string[]>();
  for (const node of topology.cephOsd) {
    const gb = osdMinimumGB(node, input.catalog);
    byMinimum.set(gb, [...(byMinimum.get(gb) ?? []), node.hostname]);
  }
  for (const [gb, hosts] of [...byMinimum].sort((a, b) => a[0] - b[0]))
    specs.push({
      service_type: "osd",
      service_id: `cairn-data-${gb}g`,
      placement: { hosts },
      spec: { data_devices: { size: `${gb}G:` }, objectstore: "bluestore", filter_logic: "AND" },
    });
  return specs;
}

/** The spec file: documents separated by `---`, written for YAML 1.1 readers (cephadm's PyYAML). */
export function cephSpecFile(input: CephInput): string {
  const docs = cephSpecs(input).map((spec) =>
    stringify(cephSpecSchema.parse(spec), { version: "1.1", aliasDuplicateObjects: false }),
  );
  const header = managedHeader([
    `cephadm service specifications of cluster ${input.cluster.name} (${input.cluster.id}).`,
  ]);
  return `${header}\n${docs.map((d) => `---\n${d}`).join("")}`;
}

/** Reads a spec file back and checks every document. */
export function readCephSpecFile(text: string): CephSpec[] {
  return parseAllDocuments(text, { version: "1.1" }).map((doc) => {
    if (doc.errors.length) throw doc.errors[0];
    return cephSpecSchema.parse(doc.toJS());
  });
}

/** The command that applies the specs: bootstrap a new cluster from this node, or apply to a running one. */
export function cephadmCommand(bootstrapped: boolean, monIp: string): string[] {
  const file = `/${CEPH_SPEC_PATH}`;
  return bootstrapped
    ? [
        "cephadm",
        "shell",
        "--mount",
        `${file}:/mnt/cairn/cluster.yaml`,
        "--",
        "ceph",
        "orch",
        "apply",
        "-i",
        "/mnt/cairn/cluster.yaml",
      ]
    : ["cephadm", "bootstrap", "--mon-ip", monIp, "--apply-spec", file];
}

/** The monitor address the first Ceph monitor bootstraps with: its storage address, else its management address. */
export function monIpOf(node: ServiceNode): string {
  return node.addresses.storage ?? addressOf(node, "management", "the first Ceph monitor");
}
