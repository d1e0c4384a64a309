import type { CairnErrorShape } from "@/domain/errors";

/** The Cairn error carried by a failed tRPC call (see server/trpc/init.ts errorFormatter). */
export function cairnErrorOf(error: unknown): CairnErrorShape | null {
  const data = (error as { data?: { cairn?: CairnErrorShape } } | null)?.data;
  if (data?.cairn) return data.cairn;
  const shape = (error as { shape?: { data?: { cairn?: CairnErrorShape } } } | null)?.shape;
  return shape?.data?.cairn ?? null;
}
