/** Requests about regions and clusters: one schema each, used by the API, the forms and the tests. */
import { z } from "zod";
import { CLUSTER_STATUSES } from "./cluster";
import { CLUSTER_KINDS, RFC1123_LABEL } from "./model";

export const resourceName = z
  .string()
  .trim()
  .min(1, { error: "required" })
  .max(63, { error: "rfc1123-label" })
  .regex(RFC1123_LABEL, { error: "rfc1123-label" });

const displayName = z.string().trim().min(1, { error: "required" }).max(100);
const description = z.string().trim().max(2000).default("");

export const createRegionRequest = z.object({
  name: resourceName,
  displayName,
  description,
});
export type CreateRegionRequest = z.input<typeof createRegionRequest>;

export const updateRegionRequest = z.object({
  id: z.uuid(),
  displayName: displayName.optional(),
  description: z.string().trim().max(2000).optional(),
});

export const createClusterRequest = z.object({
  regionId: z.uuid({ error: "required" }),
  name: resourceName,
  displayName,
  kind: z.enum(CLUSTER_KINDS),
  releaseId: z.string().min(1, { error: "required" }),
});
export type CreateClusterRequest = z.input<typeof createClusterRequest>;

export const renameClusterRequest = z.object({ id: z.uuid(), displayName });

export const SORT_DIRECTIONS = ["asc", "desc"] as const;

/** Cursor paging shared by every list: the cursor is opaque to clients. */
export function listRequest<const S extends readonly [string, ...string[]]>(sortFields: S) {
  return z.object({
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).nullish(),
    sort: z.enum(sortFields).default(sortFields[0]),
    // Not "direction": tRPC infinite queries reserve that name for paging forward/backward.
    order: z.enum(SORT_DIRECTIONS).default("asc"),
    search: z.string().trim().max(100).optional(),
  });
}

export const REGION_SORT = ["name", "createdAt"] as const;
export const listRegionsRequest = listRequest(REGION_SORT);
export type ListRegionsRequest = z.input<typeof listRegionsRequest>;

export const CLUSTER_SORT = ["name", "createdAt", "status"] as const;
export const listClustersRequest = listRequest(CLUSTER_SORT).extend({
  regionId: z.uuid().optional(),
  status: z.array(z.enum(CLUSTER_STATUSES)).optional(),
  kind: z.enum(CLUSTER_KINDS).optional(),
});
export type ListClustersRequest = z.input<typeof listClustersRequest>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
