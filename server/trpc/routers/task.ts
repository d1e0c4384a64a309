import "server-only";
import { tracked } from "@trpc/server";
import { z } from "zod";
import { FINAL_TASK } from "../../../domain/engine/types";
import {
  launchTaskRequest,
  listLogSectionsRequest,
  listTaskNodesRequest,
  listTaskStepsRequest,
  listTasksRequest,
  readTaskLogRequest,
  retryTaskRequest,
  searchTaskLogRequest,
  taskLogWindowRequest,
  taskRefRequest,
} from "../../../domain/task";
import * as tasks from "../../services/tasks";
import { createTRPCRouter, operatorProcedure, viewerProcedure } from "../init";

const POLL_MS = 500;

export const taskRouter = createTRPCRouter({
  get: viewerProcedure
    .input(z.object({ id: z.uuid() }))
    .query(({ ctx, input }) => tasks.getTask(ctx, input.id)),
  list: viewerProcedure
    .input(listTasksRequest)
    .query(({ ctx, input }) => tasks.listTasks(ctx, input)),
  steps: viewerProcedure
    .input(listTaskStepsRequest)
    .query(({ ctx, input }) => tasks.listTaskSteps(ctx, input)),
  /** Per graph step: entries per status and its first start / last end (the task page's groups). */
  stepGroups: viewerProcedure
    .input(taskRefRequest)
    .query(({ ctx, input }) => tasks.taskStepGroups(ctx, input.taskId)),
  /** Per node: steps done / failed / running / waiting, by hostname, with counts per filter. */
  nodes: viewerProcedure
    .input(listTaskNodesRequest)
    .query(({ ctx, input }) => tasks.listTaskNodes(ctx, input)),
  /** The log as sections (one per attempt) with line counts, for a windowed viewer. */
  logSections: viewerProcedure
    .input(listLogSectionsRequest)
    .query(({ ctx, input }) => tasks.taskLogSections(ctx, input)),
  attempts: viewerProcedure
    .input(z.object({ stepId: z.uuid() }))
    .query(({ ctx, input }) => tasks.listAttempts(ctx, input.stepId)),
  launch: operatorProcedure
    .input(launchTaskRequest)
    .mutation(({ ctx, input }) => tasks.launch(ctx, input)),
  cancel: operatorProcedure
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => tasks.cancel(ctx, input.id)),
  pause: operatorProcedure
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => tasks.pause(ctx, input.id)),
  resume: operatorProcedure
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => tasks.resume(ctx, input.id)),
  retry: operatorProcedure
    .input(retryTaskRequest)
    .mutation(({ ctx, input }) => tasks.retry(ctx, input)),
  log: viewerProcedure
    .input(readTaskLogRequest)
    .query(({ ctx, input }) => tasks.readTaskLog(ctx, input)),
  logWindow: viewerProcedure
    .input(taskLogWindowRequest)
    .query(({ ctx, input }) => tasks.taskLogWindow(ctx, input)),
  searchLog: viewerProcedure
    .input(searchTaskLogRequest)
    .query(({ ctx, input }) => tasks.searchTaskLog(ctx, input)),
  /**
   * Live log over SSE. Each chunk carries its position as the event id, so a reconnecting browser
   * (Last-Event-ID) continues exactly after the last chunk it got. Ends when the task has ended
   * and everything it wrote has been sent.
   */
  follow: viewerProcedure
    .input(
      readTaskLogRequest
        .omit({ limit: true })
        .extend({ lastEventId: z.string().max(100).nullish() }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      let after = input.lastEventId ?? input.after ?? null;
      while (!signal?.aborted) {
        const read = await tasks.readTaskLog(ctx, { ...input, after, limit: 500 });
        for (const chunk of read.chunks) yield tracked(chunk.position, chunk);
        after = read.next;
        if (read.chunks.length === 500 || read.behind) continue;
        const task = await tasks.getTask(ctx, input.taskId);
        if (FINAL_TASK.has(task.status)) {
          // A last read: chunks committed between the previous read and the status check.
          const tail = await tasks.readTaskLog(ctx, { ...input, after, limit: 1000 });
          for (const chunk of tail.chunks) yield tracked(chunk.position, chunk);
          return;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }),
});
