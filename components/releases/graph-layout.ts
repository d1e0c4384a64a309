/**
 * Where the boxes and arrows of a task graph picture go. Pure: steps in, coordinates out, so the
 * layout is tested without a browser and the picture component only draws.
 *
 * Steps stand in columns by dependency depth (the longest path from a step that waits for nothing,
 * over same-node `requires` and cross-node `crossDepends`), so every arrow points right. A depth
 * with more steps than `maxRows` continues in the next column instead of growing a tall picture;
 * a long chain makes a wide one, which the page scrolls horizontally.
 *
 * An arrow that skips columns gets a lane of its own through each column it crosses (the dummy
 * nodes of a layered, Sugiyama-style layout), so no arrow ever runs behind a box. Within a column,
 * steps and lanes are ordered by the height of what they come from (barycentre, one pass left to
 * right), which keeps arrows short and mostly uncrossed.
 */

export interface GraphStepInput {
  id: string;
  /** Same-node dependencies: steps of this graph that run first on the same node. */
  requires: readonly string[];
  /** Cross-node dependencies: steps of this graph that run first on other nodes. */
  crossDepends: readonly string[];
}

export type EdgeKind = "requires" | "crossDepends";

export interface Point {
  x: number;
  y: number;
}

export interface BoxLayout {
  id: string;
  depth: number;
  /** Column of the picture, left to right (a crowded depth spans several columns). */
  column: number;
  row: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EdgeLayout {
  /** The dependency: the arrow starts on the right side of its box. */
  from: string;
  /** The dependent: the arrow ends on the left side of its box. */
  to: string;
  kind: EdgeKind;
  start: Point;
  end: Point;
  /** Straight stretches through the columns the arrow crosses, left to right (none for neighbours). */
  lanes: Lane[];
  /** SVG path data: curves between columns, straight through its lanes. */
  path: string;
}

export interface Lane {
  column: number;
  x1: number;
  x2: number;
  y: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  /** In the order of the input steps. */
  boxes: BoxLayout[];
  edges: EdgeLayout[];
}

export interface LayoutOptions {
  boxWidth?: number;
  boxHeight?: number;
  columnGap?: number;
  rowGap?: number;
  /** Space between two lanes of arrows crossing the same column. */
  laneGap?: number;
  padding?: number;
  /** Most boxes in one column before a depth continues in the next one. */
  maxRows?: number;
}

const DEFAULTS: Required<LayoutOptions> = {
  boxWidth: 168,
  boxHeight: 44,
  columnGap: 64,
  rowGap: 16,
  laneGap: 6,
  padding: 12,
  maxRows: 8,
};

export class GraphLayoutError extends Error {
  override name = "GraphLayoutError";
}

function dependenciesOf(step: GraphStepInput): { id: string; kind: EdgeKind }[] {
  return [
    ...step.requires.map((id) => ({ id, kind: "requires" as const })),
    ...step.crossDepends.map((id) => ({ id, kind: "crossDepends" as const })),
  ];
}

/**
 * Depth of every step: 0 for a step that waits for nothing, else one more than its deepest
 * dependency. The graph must be cycle-free (releases are validated when loaded); a cycle, a
 * duplicate id or a dependency on an unknown step throws, naming the steps.
 */
export function stepDepths(steps: readonly GraphStepInput[]): Map<string, number> {
  const byId = new Map<string, GraphStepInput>();
  for (const step of steps) {
    if (byId.has(step.id)) throw new GraphLayoutError(`step ${step.id} appears twice`);
    byId.set(step.id, step);
  }
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const step of steps) {
    const deps = new Set(dependenciesOf(step).map((d) => d.id));
    for (const dep of deps) {
      if (!byId.has(dep))
        throw new GraphLayoutError(`step ${step.id} waits for ${dep}, which is not in the graph`);
      dependents.set(dep, [...(dependents.get(dep) ?? []), step.id]);
    }
    waiting.set(step.id, deps.size);
  }
  // Kahn's order: a step gets its depth once every dependency has one.
  const depth = new Map<string, number>();
  const ready = steps.filter((s) => waiting.get(s.id) === 0).map((s) => s.id);
  for (const id of ready) depth.set(id, 0);
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i] as string;
    for (const dependent of dependents.get(id) ?? []) {
      depth.set(dependent, Math.max(depth.get(dependent) ?? 0, (depth.get(id) as number) + 1));
      const left = (waiting.get(dependent) as number) - 1;
      waiting.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (ready.length < steps.length) {
    const stuck = steps.filter((s) => (waiting.get(s.id) ?? 0) > 0).map((s) => s.id);
    throw new GraphLayoutError(`steps wait in a cycle or behind one: ${stuck.join(", ")}`);
  }
  return depth;
}

interface RawEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** Position in the input, for stable ordering. */
  index: number;
}

/** An arrow on its way right: where it is now (relative to the picture's centre line). */
interface Flight {
  edge: RawEdge;
  y: number;
  lanes: Lane[];
}

type Item =
  | { kind: "box"; id: string; key: number; order: number }
  | { kind: "lane"; flight: Flight; key: number; order: number };

/** Lays out the boxes and arrows of a cycle-free graph (see `stepDepths`). */
export function layoutGraph(
  steps: readonly GraphStepInput[],
  options: LayoutOptions = {},
): GraphLayout {
  const o = { ...DEFAULTS, ...options };
  const maxRows = Math.max(1, Math.floor(o.maxRows));
  const depths = stepDepths(steps);
  const order = new Map(steps.map((s, i) => [s.id, i]));

  const levels: string[][] = [];
  for (const step of steps) (levels[depths.get(step.id) as number] ??= []).push(step.id);

  const raw: RawEdge[] = [];
  for (const step of steps)
    for (const dep of dependenciesOf(step))
      raw.push({ from: dep.id, to: step.id, kind: dep.kind, index: raw.length });
  const outgoing = new Map<string, RawEdge[]>();
  for (const e of raw) outgoing.set(e.from, [...(outgoing.get(e.from) ?? []), e]);

  // Columns are stacked around a common centre line (y = 0) while they are built, so heights
  // compare across columns before the picture's height is known; it is shifted down at the end.
  const columnX = (c: number) => o.padding + c * (o.boxWidth + o.columnGap);
  const rel = new Map<string, { top: number; column: number; row: number }>();
  const finished: Flight[] = [];
  let flying: Flight[] = [];
  let columns = 0;
  let tallest = 0;
  for (const level of levels) {
    const incoming = (id: string) => flying.filter((f) => f.edge.to === id).map((f) => f.y);
    const ranked = level
      .map((id) => {
        const ys = incoming(id);
        return { id, key: ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0 };
      })
      .sort((a, b) => a.key - b.key || (order.get(a.id) as number) - (order.get(b.id) as number))
      .map((r) => r.id);
    for (let i = 0; i < ranked.length; i += maxRows) {
      const c = columns++;
      const here = new Set(ranked.slice(i, i + maxRows));
      const items: Item[] = [];
      for (const id of here) {
        const ys = incoming(id);
        const key = ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
        items.push({ kind: "box", id, key, order: order.get(id) as number });
      }
      for (const f of flying)
        if (!here.has(f.edge.to))
          items.push({ kind: "lane", flight: f, key: f.y, order: steps.length + f.edge.index });
      // Roots (depth 0) have no key: they keep the graph's order.
      items.sort((a, b) => a.key - b.key || a.order - b.order);

      const size = (it: Item) => (it.kind === "box" ? o.boxHeight : 0);
      const gap = (a: Item, b: Item) =>
        a.kind === "box" || b.kind === "box" ? o.rowGap : o.laneGap;
      let total = 0;
      items.forEach((it, k) => (total += size(it) + (k ? gap(items[k - 1] as Item, it) : 0)));
      let top = -total / 2;
      let row = 0;
      items.forEach((it, k) => {
        if (k) top += gap(items[k - 1] as Item, it);
        if (it.kind === "box") rel.set(it.id, { top, column: c, row: row++ });
        else {
          it.flight.lanes.push({ column: c, x1: columnX(c), x2: columnX(c) + o.boxWidth, y: top });
          it.flight.y = top;
        }
        top += size(it);
      });
      tallest = Math.max(tallest, total);

      finished.push(...flying.filter((f) => here.has(f.edge.to)));
      flying = flying.filter((f) => !here.has(f.edge.to));
      for (const id of here) {
        const centre = (rel.get(id) as { top: number }).top + o.boxHeight / 2;
        for (const edge of outgoing.get(id) ?? []) flying.push({ edge, y: centre, lanes: [] });
      }
    }
  }

  const shift = o.padding + tallest / 2;
  const width = o.padding * 2 + columns * o.boxWidth + Math.max(0, columns - 1) * o.columnGap;
  const height = o.padding * 2 + tallest;
  const boxById = new Map<string, BoxLayout>();
  for (const step of steps) {
    const r = rel.get(step.id) as { top: number; column: number; row: number };
    boxById.set(step.id, {
      id: step.id,
      depth: depths.get(step.id) as number,
      column: r.column,
      row: r.row,
      x: columnX(r.column),
      y: shift + r.top,
      width: o.boxWidth,
      height: o.boxHeight,
    });
  }
  for (const f of finished) for (const lane of f.lanes) lane.y += shift;

  // Arrows leave a box's right side and enter the next box's left side at evenly spaced ports,
  // sorted by the height of the arrow's next (or previous) point, so two arrows between the same
  // pair (a same-node and a cross-node dependency) stay apart and fan out without crossing.
  const flightOf = new Map(finished.map((f) => [f.edge, f]));
  const box = (id: string) => boxById.get(id) as BoxLayout;
  const centre = (id: string) => box(id).y + o.boxHeight / 2;
  const nextY = (e: RawEdge) => flightOf.get(e)?.lanes[0]?.y ?? centre(e.to);
  const previousY = (e: RawEdge) => flightOf.get(e)?.lanes.at(-1)?.y ?? centre(e.from);
  const kindRank = (k: EdgeKind) => (k === "requires" ? 0 : 1);
  const ports = (end: "from" | "to", otherY: (e: RawEdge) => number) => {
    const groups = new Map<string, RawEdge[]>();
    for (const e of raw) groups.set(e[end], [...(groups.get(e[end]) ?? []), e]);
    const at = new Map<RawEdge, number>();
    for (const [id, group] of groups) {
      const b = box(id);
      group
        .slice()
        .sort(
          (a, c) =>
            otherY(a) - otherY(c) || kindRank(a.kind) - kindRank(c.kind) || a.index - c.index,
        )
        .forEach((e, i) => at.set(e, b.y + (b.height * (i + 1)) / (group.length + 1)));
    }
    return at;
  };
  const outPort = ports("from", nextY);
  const inPort = ports("to", previousY);
  const curve = (a: Point, b: Point) => {
    const bend = (b.x - a.x) / 2;
    return `C ${a.x + bend} ${a.y}, ${b.x - bend} ${b.y}, ${b.x} ${b.y}`;
  };
  const edges = raw.map((e): EdgeLayout => {
    const from = box(e.from);
    const to = box(e.to);
    const start = { x: from.x + from.width, y: outPort.get(e) as number };
    const end = { x: to.x, y: inPort.get(e) as number };
    const lanes = flightOf.get(e)?.lanes ?? [];
    const parts = [`M ${start.x} ${start.y}`];
    let at = start;
    for (const lane of lanes) {
      parts.push(curve(at, { x: lane.x1, y: lane.y }), `L ${lane.x2} ${lane.y}`);
      at = { x: lane.x2, y: lane.y };
    }
    parts.push(curve(at, end));
    return { from: e.from, to: e.to, kind: e.kind, start, end, lanes, path: parts.join(" ") };
  });

  return { width, height, boxes: steps.map((s) => box(s.id)), edges };
}

const WIDE =
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

/**
 * Width of a one-line text in pixels, estimated: SVG text cannot wrap or be measured before it is
 * drawn, so boxes are sized from this. Chinese characters are a full em; Latin ones 0.6 em, a
 * monospace font's width and a little over a proportional font's average (a cut text is worse
 * than a slightly wide box).
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  let ems = 0;
  for (const ch of text) ems += WIDE.test(ch) ? 1 : 0.6;
  return ems * fontSize;
}

/** The text cut to fit `maxWidth` (with "…"), by the same estimate. */
export function fitText(text: string, maxWidth: number, fontSize: number): string {
  if (estimateTextWidth(text, fontSize) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 1 && estimateTextWidth(`${chars.join("")}…`, fontSize) > maxWidth)
    chars.pop();
  return `${chars.join("")}…`;
}
