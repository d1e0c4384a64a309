import { describe, expect, it } from "vitest";
import {
  estimateTextWidth,
  fitText,
  layoutGraph,
  stepDepths,
  type BoxLayout,
  type GraphLayout,
  type GraphStepInput,
} from "./graph-layout";

const step = (
  id: string,
  requires: string[] = [],
  crossDepends: string[] = [],
): GraphStepInput => ({ id, requires, crossDepends });

/** The built-in release's deploy graph (releases/cairn-2026.1/graphs/deploy.yaml). */
const DEPLOY = [
  step("hostname"),
  step("ntp", ["hostname"]),
  step("dns", ["hostname"]),
  step("kernel", ["hostname"]),
  step("overcommit", ["kernel"]),
  step("services", ["ntp", "dns", "kernel"], ["ntp"]),
];

/** A deterministic pseudo-random DAG: each step waits for up to 3 earlier ones. */
function randomDag(n: number, seed: number): GraphStepInput[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const steps: GraphStepInput[] = [];
  for (let i = 0; i < n; i++) {
    const earlier = steps.map((x) => x.id);
    const pick = () => earlier.filter(() => next() < 1.5 / Math.max(1, earlier.length));
    steps.push(step(`step-${i}`, pick().slice(0, 3), pick().slice(0, 1)));
  }
  // Shuffled, so the layout cannot rely on the input being in dependency order.
  return steps.sort(() => next() - 0.5);
}

function overlaps(a: BoxLayout, b: BoxLayout) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function expectSane(layout: GraphLayout, steps: GraphStepInput[]) {
  const box = new Map(layout.boxes.map((b) => [b.id, b]));
  expect([...box.keys()].sort()).toEqual(steps.map((s) => s.id).sort());
  for (const [i, a] of layout.boxes.entries())
    for (const b of layout.boxes.slice(i + 1))
      expect(overlaps(a, b), `${a.id} overlaps ${b.id}`).toBe(false);
  for (const b of layout.boxes) {
    expect(b.x).toBeGreaterThanOrEqual(0);
    expect(b.y).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width).toBeLessThanOrEqual(layout.width);
    expect(b.y + b.height).toBeLessThanOrEqual(layout.height);
  }
  const expected = steps.flatMap((s) => [
    ...s.requires.map((d) => `${d}->${s.id}:requires`),
    ...s.crossDepends.map((d) => `${d}->${s.id}:crossDepends`),
  ]);
  expect(layout.edges.map((e) => `${e.from}->${e.to}:${e.kind}`).sort()).toEqual(expected.sort());
  for (const e of layout.edges) {
    const from = box.get(e.from) as BoxLayout;
    const to = box.get(e.to) as BoxLayout;
    // From the right side of the dependency's box to the left side of the dependent's box.
    expect(e.start.x).toBe(from.x + from.width);
    expect(e.start.y).toBeGreaterThan(from.y);
    expect(e.start.y).toBeLessThan(from.y + from.height);
    expect(e.end.x).toBe(to.x);
    expect(e.end.y).toBeGreaterThan(to.y);
    expect(e.end.y).toBeLessThan(to.y + to.height);
    expect(e.end.x).toBeGreaterThan(e.start.x);
    expect(e.path.startsWith(`M ${e.start.x} ${e.start.y} `)).toBe(true);
    expect(e.path.endsWith(` ${e.end.x} ${e.end.y}`)).toBe(true);
    // An arrow that skips columns crosses each of them in a lane of its own, clear of every box.
    expect(e.lanes.map((l) => l.column)).toEqual(
      Array.from({ length: to.column - from.column - 1 }, (_, i) => from.column + 1 + i),
    );
    for (const lane of e.lanes) {
      for (const b of layout.boxes.filter((b) => b.column === lane.column)) {
        expect(lane.x1).toBe(b.x);
        expect(lane.y < b.y || lane.y > b.y + b.height, `${e.from}->${e.to} behind ${b.id}`).toBe(
          true,
        );
      }
      expect(e.path).toContain(`L ${lane.x2} ${lane.y}`);
    }
  }
}

describe("stepDepths", () => {
  it("is the longest path from a step that waits for nothing, over both kinds of dependency", () => {
    const depths = stepDepths([
      step("a"),
      step("b", ["a"]),
      step("c", ["b"]),
      // Waits for a directly and, through c, at depth 2: the longest path counts.
      step("d", ["a", "c"]),
      step("e", [], ["d"]),
      step("lonely"),
    ]);
    expect(Object.fromEntries(depths)).toEqual({ a: 0, b: 1, c: 2, d: 3, e: 4, lonely: 0 });
  });

  it("places the built-in deploy graph in three columns", () => {
    expect(Object.fromEntries(stepDepths(DEPLOY))).toEqual({
      hostname: 0,
      ntp: 1,
      dns: 1,
      kernel: 1,
      overcommit: 2,
      services: 2,
    });
  });

  it("refuses a cycle, a self-dependency and an unknown step, naming the steps", () => {
    expect(() => stepDepths([step("a", ["c"]), step("b", ["a"]), step("c", [], ["b"])])).toThrow(
      "steps wait in a cycle or behind one: a, b, c",
    );
    expect(() => stepDepths([step("ok"), step("self", [], ["self"])])).toThrow(
      "in a cycle or behind one: self",
    );
    expect(() => stepDepths([step("a", ["missing"])])).toThrow(
      "step a waits for missing, which is not in the graph",
    );
    expect(() => stepDepths([step("a"), step("a")])).toThrow("step a appears twice");
  });
});

describe("layoutGraph", () => {
  it("puts each step in the column of its depth and every arrow pointing right", () => {
    const layout = layoutGraph(DEPLOY);
    const column = Object.fromEntries(layout.boxes.map((b) => [b.id, b.column]));
    expect(column).toEqual({ hostname: 0, ntp: 1, dns: 1, kernel: 1, overcommit: 2, services: 2 });
    expectSane(layout, DEPLOY);
  });

  it("draws a same-node and a cross-node dependency between the same pair as two apart arrows", () => {
    const layout = layoutGraph(DEPLOY);
    const pair = layout.edges.filter((e) => e.from === "ntp" && e.to === "services");
    expect(pair.map((e) => e.kind).sort()).toEqual(["crossDepends", "requires"]);
    const [a, b] = pair as [(typeof pair)[0], (typeof pair)[0]];
    expect(a.start.y).not.toBe(b.start.y);
    expect(a.end.y).not.toBe(b.end.y);
  });

  it("orders a column by the height of the dependencies, so arrows do not cross needlessly", () => {
    const steps = [
      step("top"),
      step("bottom"),
      step("after-bottom", ["bottom"]),
      step("after-top", ["top"]),
    ];
    const layout = layoutGraph(steps);
    const y = Object.fromEntries(layout.boxes.map((b) => [b.id, b.y]));
    expect(y.top).toBeLessThan(y.bottom as number);
    expect(y["after-top"]).toBeLessThan(y["after-bottom"] as number);
  });

  it("continues a crowded depth in the next column instead of one tall column", () => {
    const steps = [
      step("root"),
      ...Array.from({ length: 20 }, (_, i) => step(`leaf-${i}`, ["root"])),
    ];
    const layout = layoutGraph(steps, { maxRows: 8 });
    const leaves = layout.boxes.filter((b) => b.id.startsWith("leaf-"));
    expect(new Set(leaves.map((b) => b.column))).toEqual(new Set([1, 2, 3]));
    expect(Math.max(...leaves.map((b) => b.row))).toBe(7);
    // Shorter than one column of 20, even with lanes for the arrows to the later columns.
    expect(layout.height).toBeLessThan(20 * 44 + 19 * 16);
    expectSane(layout, steps);
  });

  it("keeps ~30-step graphs free of overlaps with every arrow on its boxes", () => {
    for (const seed of [1, 7, 42, 2026]) {
      const steps = randomDag(30, seed);
      const layout = layoutGraph(steps);
      expectSane(layout, steps);
      const depths = stepDepths(steps);
      // Columns never go back in depth: a deeper step is never left of a shallower one.
      for (const a of layout.boxes)
        for (const b of layout.boxes)
          if ((depths.get(a.id) as number) < (depths.get(b.id) as number))
            expect(a.column).toBeLessThan(b.column);
    }
  });

  it("routes an arrow that skips a column around the box in its way", () => {
    // a → c skips b's column; b sits level with a, so a straight arrow would run behind b.
    const steps = [step("a"), step("b", ["a"]), step("c", ["a", "b"])];
    const layout = layoutGraph(steps);
    const skip = layout.edges.find((e) => e.from === "a" && e.to === "c");
    expect(skip?.lanes).toHaveLength(1);
    expectSane(layout, steps);
  });

  it("sizes the picture from the options", () => {
    const layout = layoutGraph([step("a"), step("b", ["a"])], {
      boxWidth: 100,
      boxHeight: 40,
      columnGap: 50,
      padding: 10,
    });
    expect(layout.width).toBe(10 + 100 + 50 + 100 + 10);
    expect(layout.height).toBe(10 + 40 + 10);
    expect(layout.boxes.map((b) => [b.x, b.y])).toEqual([
      [10, 10],
      [160, 10],
    ]);
  });
});

describe("text fitting", () => {
  it("counts Chinese characters as wider than Latin ones", () => {
    expect(estimateTextWidth("所有节点", 10)).toBe(40);
    expect(estimateTextWidth("abcd", 10)).toBe(24);
  });

  it("cuts a text that does not fit and marks the cut", () => {
    expect(fitText("hostname", 200, 12)).toBe("hostname");
    const cut = fitText("provisioning-network-and-more", 100, 12);
    expect(cut.endsWith("…")).toBe(true);
    expect(estimateTextWidth(cut, 12)).toBeLessThanOrEqual(100);
  });
});
