"use client";
import { useTranslations } from "next-intl";
import { useId, useMemo } from "react";
import type { Condition, Selector } from "@/domain/taskgraph/schema";
import { useStepWords } from "./format";
import { estimateTextWidth, fitText, layoutGraph, type EdgeKind } from "./graph-layout";

export interface PictureStep {
  id: string;
  selector: Selector;
  requires: string[];
  crossDepends: string[];
  condition: Condition;
}

/**
 * Steps as the picture draws them: `requiredFor` (a step that must run before another, as content
 * packs use to slot in before a release step) is the same edge as the other step's `requires`.
 */
export function pictureSteps<S extends PictureStep & { requiredFor?: readonly string[] }>(graph: {
  steps: readonly S[];
}): PictureStep[] {
  const before = new Map<string, string[]>();
  for (const s of graph.steps)
    for (const target of s.requiredFor ?? [])
      before.set(target, [...(before.get(target) ?? []), s.id]);
  return graph.steps.map((s) => ({
    ...s,
    requires: [...new Set([...s.requires, ...(before.get(s.id) ?? [])])],
  }));
}

const ID_FONT = 13;
const LINE_FONT = 11;
const BOX_PADDING = 10;
const MIN_BOX = 168;
const BOX_HEIGHT = 48;
const MAX_BOX = 240;

const EDGE_CLASS: Record<EdgeKind, string> = {
  requires: "stroke-sky-700 dark:stroke-sky-400",
  crossDepends: "stroke-amber-600 dark:stroke-amber-400",
};
const HEAD_CLASS: Record<EdgeKind, string> = {
  requires: "fill-sky-700 dark:fill-sky-400",
  crossDepends: "fill-amber-600 dark:fill-amber-400",
};
const DASH: Record<EdgeKind, string | undefined> = { requires: undefined, crossDepends: "5 4" };

/**
 * A task graph drawn as boxes and arrows (layout in `graph-layout.ts`). The picture is one image
 * for assistive technology; the steps table beside it carries the same facts as text.
 */
export function GraphPicture({
  name,
  steps,
  packSteps,
}: {
  name: string;
  steps: PictureStep[];
  /** Steps a content pack added: drawn in the pack colour, with a legend entry. */
  packSteps?: ReadonlySet<string>;
}) {
  const t = useTranslations("release");
  const tp = useTranslations("packs");
  const words = useStepWords();
  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, "");
  const labels = new Map(steps.map((s) => [s.id, words.selector(s.selector)]));
  // One width for every box, from the longest text it holds, within limits (longer texts are cut
  // and shown whole in the box's tooltip and in the table).
  const boxWidth = Math.ceil(
    Math.min(
      MAX_BOX,
      Math.max(
        MIN_BOX,
        ...steps.map(
          (s) =>
            Math.max(
              estimateTextWidth(s.id, ID_FONT),
              estimateTextWidth(labels.get(s.id) ?? "", LINE_FONT),
            ) +
            BOX_PADDING * 2,
        ),
      ),
    ),
  );
  const layout = useMemo(
    () => layoutGraph(steps, { boxWidth, boxHeight: BOX_HEIGHT, columnGap: 72 }),
    [steps, boxWidth],
  );
  const inner = boxWidth - BOX_PADDING * 2;
  const marker = (kind: EdgeKind) => `arrow-${kind}-${uid}`;

  return (
    <figure className="m-0">
      <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-950/40">
        <svg
          role="img"
          aria-label={t("picture", { graph: name, count: steps.length })}
          data-testid="graph-picture"
          data-graph={name}
          width={layout.width}
          height={layout.height}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          className="block"
        >
          <defs>
            {(["requires", "crossDepends"] as const).map((kind) => (
              <marker
                key={kind}
                id={marker(kind)}
                viewBox="0 0 10 10"
                refX="10"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
              >
                <path d="M 0 0 L 10 5 L 0 10 z" className={HEAD_CLASS[kind]} />
              </marker>
            ))}
          </defs>
          {layout.edges.map((e) => (
            <path
              key={`${e.from}-${e.to}-${e.kind}`}
              data-testid="graph-edge"
              data-from={e.from}
              data-to={e.to}
              data-kind={e.kind}
              d={e.path}
              fill="none"
              strokeWidth={1.5}
              strokeDasharray={DASH[e.kind]}
              markerEnd={`url(#${marker(e.kind)})`}
              className={EDGE_CLASS[e.kind]}
            />
          ))}
          {layout.boxes.map((b) => {
            const step = steps.find((s) => s.id === b.id) as PictureStep;
            const label = labels.get(b.id) ?? "";
            const conditional = step.condition.when !== "always";
            const fromPack = packSteps?.has(b.id) ?? false;
            return (
              <g
                key={b.id}
                data-testid="graph-step"
                data-step-id={b.id}
                data-pack={fromPack ? "true" : undefined}
                transform={`translate(${b.x} ${b.y})`}
              >
                <title>{[b.id, label, words.condition(step.condition)].join(" — ")}</title>
                <rect
                  width={b.width}
                  height={b.height}
                  rx={6}
                  strokeWidth={1}
                  strokeDasharray={conditional ? "3 2" : undefined}
                  className={
                    fromPack
                      ? "fill-violet-50 stroke-violet-500 dark:fill-violet-950 dark:stroke-violet-400"
                      : "fill-white stroke-zinc-300 dark:fill-zinc-900 dark:stroke-zinc-600"
                  }
                />
                <text
                  x={BOX_PADDING}
                  y={21}
                  fontSize={ID_FONT}
                  className="fill-zinc-900 font-mono font-semibold dark:fill-zinc-50"
                >
                  {fitText(b.id, inner, ID_FONT)}
                </text>
                <text
                  x={BOX_PADDING}
                  y={38}
                  fontSize={LINE_FONT}
                  className="fill-zinc-500 dark:fill-zinc-400"
                >
                  {fitText(label, inner, LINE_FONT)}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <figcaption className="mt-2 flex flex-wrap items-center gap-x-5 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400">
        <span className="flex items-center gap-1.5">
          <svg aria-hidden width="28" height="12" className="shrink-0">
            <rect
              x="0.5"
              y="0.5"
              width="27"
              height="11"
              rx="3"
              className="fill-white stroke-zinc-400 dark:fill-zinc-900"
            />
          </svg>
          {t("legendBox")}
        </span>
        <LegendLine kind="requires" label={t("legendRequires")} />
        <LegendLine kind="crossDepends" label={t("legendCross")} />
        <span className="flex items-center gap-1.5">
          <svg aria-hidden width="28" height="12" className="shrink-0">
            <rect
              x="0.5"
              y="0.5"
              width="27"
              height="11"
              rx="3"
              strokeDasharray="3 2"
              className="fill-white stroke-zinc-400 dark:fill-zinc-900"
            />
          </svg>
          {t("legendConditional")}
        </span>
        {packSteps?.size ? (
          <span className="flex items-center gap-1.5" data-testid="legend-pack">
            <svg aria-hidden width="28" height="12" className="shrink-0">
              <rect
                x="0.5"
                y="0.5"
                width="27"
                height="11"
                rx="3"
                className="fill-violet-50 stroke-violet-500 dark:fill-violet-950"
              />
            </svg>
            {tp("legendPack")}
          </span>
        ) : null}
        <span className="text-zinc-500">{t("pictureHint")}</span>
      </figcaption>
    </figure>
  );
}

function LegendLine({ kind, label }: { kind: EdgeKind; label: string }) {
  return (
    <span className="flex items-center gap-1.5">
      <svg aria-hidden width="32" height="10" className="shrink-0">
        <line
          x1="0"
          y1="5"
          x2="25"
          y2="5"
          strokeWidth="1.5"
          strokeDasharray={DASH[kind]}
          className={EDGE_CLASS[kind]}
        />
        <path d="M 24 1 L 32 5 L 24 9 z" className={HEAD_CLASS[kind]} />
      </svg>
      {label}
    </span>
  );
}
