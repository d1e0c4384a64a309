import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClusterStatus } from "../../db/queries/clusters";
import type { Database } from "../../db/client";
import { CairnError } from "../../domain/errors";
import {
  createClusterRequest,
  createRegionRequest,
  listClustersRequest,
  listRegionsRequest,
} from "../../domain/region";
import { testDatabases } from "../../test/databases";
import * as clusters from "./clusters";
import type { ServiceContext } from "./context";
import * as regions from "./regions";

async function refusal(promise: Promise<unknown>): Promise<CairnError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof CairnError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe.each(testDatabases())("regions and clusters on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  let ctx: ServiceContext;
  const region = (name: string, displayName = name) =>
    regions.createRegion(ctx, createRegionRequest.parse({ name, displayName }));
  const cluster = (regionId: string, name: string, kind: "split" | "hyperconverged" = "split") =>
    clusters.createCluster(
      ctx,
      createClusterRequest.parse({
        regionId,
        name,
        displayName: name,
        kind,
        releaseId: "cairn-2026.1",
      }),
    );

  beforeAll(async () => {
    database = await target.open();
    ctx = {
      db: database.db,
      user: { id: "u1", email: "op@example.com", name: "Op", role: "operator" },
    };
  });
  afterAll(async () => {
    await database.drop();
  });

  it("refuses a duplicate region name and stores nothing more", async () => {
    await region("dc-dup");
    const err = await refusal(region("dc-dup", "Other"));
    expect(err.code).toBe("region.name-taken");
    expect(err.localized.en).toContain("dc-dup");
    const page = await regions.listRegions(ctx, listRegionsRequest.parse({ search: "dc-dup" }));
    expect(page.items.map((r) => r.displayName)).toEqual(["dc-dup"]);
  });

  it("refuses a duplicate cluster name within a region but allows it in another", async () => {
    const a = await region("dc-a");
    const b = await region("dc-b");
    await cluster(a.id, "prod");
    expect((await refusal(cluster(a.id, "prod"))).code).toBe("cluster.name-taken");
    expect((await cluster(b.id, "prod")).regionName).toBe("dc-b");
  });

  it("says which object is missing", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    expect((await refusal(regions.getRegion(ctx, missing))).code).toBe("region.not-found");
    expect((await refusal(clusters.getCluster(ctx, missing))).code).toBe("cluster.not-found");
    expect((await refusal(cluster(missing, "x"))).code).toBe("region.not-found");
  });

  it("refuses an unknown release and lists the installed ones", async () => {
    const r = await region("dc-rel");
    const err = await refusal(
      clusters.createCluster(ctx, {
        regionId: r.id,
        name: "c",
        displayName: "c",
        kind: "split",
        releaseId: "nope-1",
      }),
    );
    expect(err.code).toBe("release.unknown");
    expect(err.hint?.en).toContain("cairn-2026.1");
  });

  it("deletes a new cluster but refuses one that has started deploying, with the reason", async () => {
    const r = await region("dc-del");
    const fresh = await cluster(r.id, "fresh");
    await clusters.deleteCluster(ctx, fresh.id);
    expect((await refusal(clusters.getCluster(ctx, fresh.id))).code).toBe("cluster.not-found");

    const busy = await cluster(r.id, "busy");
    await setClusterStatus(database.db, { id: busy.id, status: "deploying" });
    const err = await refusal(clusters.deleteCluster(ctx, busy.id));
    expect(err.code).toBe("cluster.not-deletable");
    expect(err.localized.en).toContain("deploying");
    expect((await clusters.getCluster(ctx, busy.id)).status).toBe("deploying");
  });

  it("refuses to delete a region that still has clusters", async () => {
    const r = await region("dc-full");
    await cluster(r.id, "one");
    const err = await refusal(regions.deleteRegion(ctx, r.id));
    expect(err.code).toBe("region.has-clusters");
    expect(err.params.count).toBe(1);
    expect((await regions.getRegion(ctx, r.id)).name).toBe("dc-full");
  });

  it("pages by cursor in both directions without gaps or repeats", async () => {
    const r = await region("dc-page");
    const names = Array.from({ length: 13 }, (_, i) => `n${String(i).padStart(2, "0")}`);
    for (const n of [...names].reverse())
      await cluster(r.id, n, n < "n05" ? "hyperconverged" : "split");
    for (const order of ["asc", "desc"] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof clusters.listClusters>> = await clusters.listClusters(
          ctx,
          listClustersRequest.parse({ regionId: r.id, limit: 5, sort: "name", order, cursor }),
        );
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items.map((c) => c.name));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(order === "asc" ? names : [...names].reverse());
    }
    const hci = await clusters.listClusters(
      ctx,
      listClustersRequest.parse({ regionId: r.id, kind: "hyperconverged", limit: 50 }),
    );
    expect(hci.items.map((c) => c.name)).toEqual(["n00", "n01", "n02", "n03", "n04"]);
    const searched = await clusters.listClusters(
      ctx,
      listClustersRequest.parse({ regionId: r.id, search: "n1" }),
    );
    expect(searched.items.map((c) => c.name)).toEqual(["n10", "n11", "n12"]);
  });

  it("pages by creation time too", async () => {
    const page1 = await regions.listRegions(
      ctx,
      listRegionsRequest.parse({ sort: "createdAt", limit: 2 }),
    );
    const page2 = await regions.listRegions(
      ctx,
      listRegionsRequest.parse({ sort: "createdAt", limit: 2, cursor: page1.nextCursor }),
    );
    const ids = [...page1.items, ...page2.items].map((r) => r.id);
    expect(new Set(ids).size).toBe(4);
    expect(page2.items[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(
      page1.items[1]!.createdAt.getTime(),
    );
  });
});
