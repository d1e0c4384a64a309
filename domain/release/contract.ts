/**
 * The step contract: what a release step receives in the JSON file named by `$CAIRN_INPUT`, besides
 * `CAIRN_ROOT` (`/` on a real node, the lab node's folder otherwise) and `CAIRN_MODE` (`apply`, or
 * `noop`: print what would change, change nothing). One schema, used by the server that writes the
 * input, by the step SDK that reads it, and by the tests that craft it.
 */
import { z } from "zod";
import {
  CLUSTER_KINDS,
  hardwareSchema,
  NETWORK_NAMES,
  networkSchema,
  settingsSchema,
} from "../model";

/** A cluster node as other nodes' steps see it (hosts files, NTP clients, DHCP reservations). */
export const peerSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  roles: z.array(z.string()).default([]),
  /** Address per network (management, storage, provisioning…). */
  addresses: z.partialRecord(z.enum(NETWORK_NAMES), z.string()).default({}),
  /** The MAC the node boots from on the provisioning network (DHCP reservation). */
  provisioningMac: z.string().optional(),
  /** The region's provisioning node: it serves DHCP/PXE (dnsmasq) for the others. */
  provisioningNode: z.boolean().default(false),
});
export type Peer = z.infer<typeof peerSchema>;

export const stepContractSchema = z.object({
  task: z.object({
    id: z.string(),
    kind: z.string(),
    mode: z.enum(["apply", "noop"]),
  }),
  step: z.object({ id: z.string(), key: z.string(), attempt: z.number().int().positive() }),
  cluster: z.object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(CLUSTER_KINDS),
    releaseId: z.string(),
    /**
     * The cluster's settings; `packs.<id>` holds the settings of each installed content pack
     * (domain/release/pack.ts), which the pack's steps read through `releases/sdk/pack.ts`.
     */
    settings: settingsSchema.extend({
      packs: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    }),
    networks: z.array(networkSchema).default([]),
  }),
  /** This node: its own facts. */
  node: peerSchema.extend({
    hardware: hardwareSchema,
    /** The disk chosen for the OS; absent: the disk planner chooses. */
    osDisk: z.string().optional(),
  }),
  /** Every node of the cluster after this operation (this one included). */
  nodes: z.array(peerSchema),
  /** What this operation changes, for steps that act only on a change. */
  changes: z
    .object({
      addedNodes: z.array(z.string()).default([]),
      removedNodes: z.array(peerSchema).default([]),
      changedSettings: z.array(z.string()).default([]),
    })
    .prefault({}),
});
export type StepContract = z.infer<typeof stepContractSchema>;
export type StepContractData = z.input<typeof stepContractSchema>;
