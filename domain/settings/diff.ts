/**
 * Which settings changed between two snapshots, as dotted paths (`ntp.servers`,
 * `overcommit.cpu`): what `settings-changed` step conditions match against, so an
 * `update-settings` after changing only NTP runs only the NTP step. Lists are compared whole.
 */
import { isDeepStrictEqual } from "./equal";

export function changedSettingPaths(before: unknown, after: unknown, prefix = ""): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) =>
      changedSettingPaths(before[k], after[k], prefix ? `${prefix}.${k}` : k),
    );
  }
  return isDeepStrictEqual(before, after) ? [] : [prefix || "(all)"];
}
