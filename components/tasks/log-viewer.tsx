"use client";
import { useMemo } from "react";
import { useTRPCClient } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import type { LogSource } from "./log-store";
import { LogView, type LogViewProps } from "./log-view";

/**
 * The log viewer of a task, reading from Cairn: sections and windows over tRPC, the live tail over
 * the `task.follow` subscription (server-sent events; a dropped connection resumes after the last
 * chunk it got, by Last-Event-ID), search on the server, the raw download from the log route.
 */
export function LogViewer({
  taskId,
  ...props
}: { taskId: string } & Omit<LogViewProps, "source" | "downloadHref">) {
  const source = useTrpcLogSource(taskId);
  const locale = useCairnLocale();
  return (
    <LogView
      key={taskId}
      source={source}
      downloadHref={`/api/tasks/${taskId}/log?lang=${locale}`}
      {...props}
    />
  );
}

export function useTrpcLogSource(taskId: string): LogSource {
  const client = useTRPCClient();
  return useMemo<LogSource>(
    () => ({
      sections: (input) =>
        client.task.logSections.query({
          taskId,
          ...(input.filter.nodeId ? { nodeId: input.filter.nodeId } : {}),
          ...(input.filter.stepId ? { stepId: input.filter.stepId } : {}),
          ...(input.cursor ? { cursor: input.cursor } : {}),
          ...(input.since ? { since: input.since } : {}),
          ...(input.attemptIds?.length ? { attemptIds: input.attemptIds } : {}),
          limit: input.limit,
        }),
      window: (input) => client.task.logWindow.query(input),
      follow: (input, on) => {
        const subscription = client.task.follow.subscribe(
          {
            taskId,
            ...(input.filter.nodeId ? { nodeId: input.filter.nodeId } : {}),
            after: input.after,
          },
          {
            onStarted: () => on.connection?.("open"),
            onData: (event) => on.chunk(event.data),
            onError: (error) => on.error(error),
            onComplete: () => on.end(),
            onConnectionStateChange: (state) => {
              if (state.state === "connecting") on.connection?.("connecting");
              else if (state.state === "pending") on.connection?.("open");
            },
          },
        );
        return () => subscription.unsubscribe();
      },
      search: (input) => client.task.searchLog.query({ taskId, ...input }),
    }),
    [client, taskId],
  );
}
