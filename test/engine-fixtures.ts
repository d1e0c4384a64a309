/** Shared set-up for engine tests: a cluster to hang tasks on, and a plan from a few steps. */
import type { Db } from "../db/client";
import { insertCluster } from "../db/queries/clusters";
import { insertRegion } from "../db/queries/regions";
import { expandPlan, type Plan, type PlanNode } from "../domain/taskgraph/plan";
import { taskGraphSchema, type StepInput } from "../domain/taskgraph/schema";

export async function newCluster(db: Db, regionName: string): Promise<string> {
  const region = await insertRegion(db, {
    name: regionName,
    displayName: regionName,
    description: "",
  });
  const cluster = await insertCluster(db, {
    regionId: region.id,
    name: "c",
    displayName: "c",
    kind: "split",
    releaseId: "cairn-2026.1",
  });
  return cluster.id;
}

/** A step with the defaults most tests share (a shell script on every node) filled in. */
export type StepSpec = Partial<StepInput> & { id: string };

export function planFor(steps: StepSpec[], nodes: (string | PlanNode)[]): Plan {
  const graph = taskGraphSchema.parse({
    name: "deploy",
    steps: steps.map((s) => ({
      type: "shell",
      script: `steps/${s.id}.sh`,
      selector: { all: true },
      ...s,
    })),
  });
  return expandPlan(graph, {
    nodes: nodes.map((n) => (typeof n === "string" ? { id: n, roles: ["compute"] } : n)),
    changedSettings: [],
    intentKind: "deploy",
  });
}
