/** Cluster lifecycle facts shared by the database, the services and the UI. */
export const CLUSTER_STATUSES = ["new", "deploying", "deployed", "error", "removing"] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

/** Only a cluster that never started deploying can be deleted outright; others need a removal task. */
export function canDeleteCluster(status: ClusterStatus): boolean {
  return status === "new";
}
