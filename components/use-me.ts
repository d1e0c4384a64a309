"use client";
import { useQuery } from "@tanstack/react-query";
import type { Role } from "@/domain/user";
import { useTRPC } from "@/lib/trpc";

/** The signed-in user and what their role allows, for showing only the actions that will work. */
export function useMe() {
  const trpc = useTRPC();
  const me = useQuery(trpc.user.me.queryOptions(undefined, { staleTime: 60_000 }));
  const role: Role | undefined = me.data?.role;
  return {
    user: me.data ?? null,
    canOperate: role === "admin" || role === "operator",
    isAdmin: role === "admin",
  };
}
