/**
 * What a content pack's step adds to the step SDK: the pack's own settings, read from the cluster's
 * settings (`settings.packs.<pack id>`) over the defaults the pack declares in its `pack.yaml`, and
 * checked against the types and limits declared there. The server's step bundler wraps a pack's
 * step with `packStep` and the pack's declared settings as stored at install, so a node needs
 * nothing else.
 */
import { resolvePackSettings, type PackManifest } from "../../domain/release/pack";
import { StepError, type StepContext } from "./step";

/** The part of a pack's manifest a step needs. */
export interface PackInfo {
  id: string;
  version: string;
  settings: PackManifest["settings"];
}

export interface PackStepContext extends StepContext {
  pack: { id: string; version: string; settings: Record<string, unknown> };
}

/** Runs a pack's step with `ctx.pack`; a stored setting outside the pack's limits fails the step. */
export function packStep(
  info: PackInfo,
  body: (ctx: PackStepContext) => Promise<void>,
): (ctx: StepContext) => Promise<void> {
  return async (ctx) => {
    const stored = ctx.input.cluster.settings.packs?.[info.id];
    const { values, problems } = resolvePackSettings(info.id, info.settings, stored);
    if (problems.length > 0)
      throw new StepError(
        `the settings of content pack ${info.id} are not valid: ${problems
          .map((p) => `settings.${p.path}: ${p.message}`)
          .join("; ")}`,
      );
    await body(
      Object.assign(ctx, { pack: { id: info.id, version: info.version, settings: values } }),
    );
  };
}
