"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";
import type { WizardState } from "@/server/services/wizard";

/**
 * The draft cluster as the server has it. Refreshed every few seconds, so nodes that register, a
 * colleague's edits in another browser and findings that follow from them appear without a reload.
 */
export function useWizard(clusterId: string) {
  const trpc = useTRPC();
  return useQuery(trpc.wizard.state.queryOptions({ clusterId }, { refetchInterval: 3000 }));
}

/** Every wizard change answers with the whole state afterwards: put it in the cache at once. */
export function useWizardUpdate(clusterId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return (state: WizardState) =>
    queryClient.setQueryData(trpc.wizard.state.queryKey({ clusterId }), state);
}
