import "server-only";
import { createCallerFactory, createTRPCRouter } from "./init";
import { clusterRouter } from "./routers/cluster";
import { healthRouter } from "./routers/health";
import { labRouter } from "./routers/lab";
import { licenseRouter } from "./routers/license";
import { nodeRouter, tokenRouter } from "./routers/node";
import { packRouter } from "./routers/pack";
import { regionRouter } from "./routers/region";
import { releaseRouter } from "./routers/release";
import { setupRouter } from "./routers/setup";
import { taskRouter } from "./routers/task";
import { userRouter } from "./routers/user";
import { wizardRouter } from "./routers/wizard";

export const appRouter = createTRPCRouter({
  region: regionRouter,
  cluster: clusterRouter,
  release: releaseRouter,
  user: userRouter,
  setup: setupRouter,
  health: healthRouter,
  task: taskRouter,
  node: nodeRouter,
  token: tokenRouter,
  lab: labRouter,
  wizard: wizardRouter,
  license: licenseRouter,
  pack: packRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
