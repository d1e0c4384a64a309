/**
 * The cluster as a node's host files see it. The step contract promises that `nodes` includes the
 * node itself; a node missing from it would drop out of its own `/etc/hosts` and NTP peers, so it
 * is added rather than trusted.
 */
import type { Peer, StepContract } from "../contract";

export function clusterNodes(input: Pick<StepContract, "node" | "nodes">): Peer[] {
  const { node, nodes } = input;
  if (nodes.some((n) => n.id === node.id)) return [...nodes];
  const { hardware: _hardware, osDisk: _osDisk, ...self } = node;
  return [...nodes, self];
}
