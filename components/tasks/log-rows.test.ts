import { describe, expect, it } from "vitest";
import { LineCache } from "./log-cache";
import {
  blocksOf,
  bodyRowAt,
  bodyRowOfLine,
  bodyRows,
  buildRowIndex,
  chunkMatchesFilter,
  formatPermalink,
  linesInRows,
  mergeSections,
  parsePermalink,
  rowAt,
  rowOfLine,
  sectionAtRow,
  startsCollapsed,
} from "./log-rows";
import { section } from "./testing/memory-source";

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const C = "00000000-0000-4000-8000-00000000000c";

describe("section bodies", () => {
  const trimmed = { totalLines: 100, dropped: { fromLine: 10, lineCount: 80 } };

  it("count kept lines plus one marker row for a dropped range, or one row when empty", () => {
    expect(bodyRows({ totalLines: 5, dropped: null })).toBe(5);
    expect(bodyRows(trimmed)).toBe(21);
    expect(bodyRows({ totalLines: 0, dropped: null })).toBe(1);
  });

  it("map rows to lines around the dropped range, and back", () => {
    expect(bodyRowAt(trimmed, 9)).toEqual({ kind: "line", line: 9 });
    expect(bodyRowAt(trimmed, 10)).toEqual({ kind: "dropped", fromLine: 10, lineCount: 80 });
    expect(bodyRowAt(trimmed, 11)).toEqual({ kind: "line", line: 90 });
    expect(bodyRowAt(trimmed, 20)).toEqual({ kind: "line", line: 99 });
    expect(bodyRowAt({ totalLines: 0, dropped: null }, 0)).toEqual({ kind: "empty" });
    for (const n of [0, 9, 90, 99]) {
      const row = bodyRowOfLine(trimmed, n);
      expect(bodyRowAt(trimmed, row)).toEqual({ kind: "line", line: n });
    }
    expect(bodyRowOfLine(trimmed, 50)).toBe(10); // a dropped line → the marker
  });
});

describe("row index", () => {
  const sections = [
    section(A, { totalLines: 3 }),
    section(B, { totalLines: 1_000_000 }),
    section(C, { totalLines: 0, status: "running" }),
  ];
  const collapsed = new Set<string>();
  const expanded = (id: string) => !collapsed.has(id);

  it("places headers and lines of every section, a million-line one included", () => {
    const index = buildRowIndex(sections, expanded);
    expect(Array.from(index.starts)).toEqual([0, 4, 1_000_005]);
    expect(index.total).toBe(1_000_007);
    expect(rowAt(index, sections, 0)).toEqual({ kind: "header", section: 0 });
    expect(rowAt(index, sections, 3)).toEqual({ kind: "line", section: 0, line: 2 });
    expect(rowAt(index, sections, 4)).toEqual({ kind: "header", section: 1 });
    expect(rowAt(index, sections, 1_000_004)).toEqual({ kind: "line", section: 1, line: 999_999 });
    expect(rowAt(index, sections, 1_000_006)).toEqual({ kind: "empty", section: 2 });
    expect(rowAt(index, sections, 1_000_007)).toBeNull();
    expect(rowOfLine(index, sections, 1, 734_112, expanded)).toBe(4 + 1 + 734_112);
    expect(sectionAtRow(index, 500_000)).toBe(1);
  });

  it("shows only the header of a collapsed section", () => {
    collapsed.add(B);
    const index = buildRowIndex(sections, expanded);
    expect(index.total).toBe(4 + 1 + 2);
    expect(rowAt(index, sections, 5)).toEqual({ kind: "header", section: 2 });
    expect(rowOfLine(index, sections, 1, 10, expanded)).toBe(4);
    collapsed.clear();
  });

  it("lists the line ranges a screen of rows needs, across sections, without dropped lines", () => {
    const list = [
      section(A, { totalLines: 3 }),
      section(B, { totalLines: 100, dropped: { fromLine: 10, lineCount: 80 } }),
    ];
    const index = buildRowIndex(list, () => true);
    // Rows 2–3 are lines 1–2 of A; row 4 B's header; rows 5.. B's body (10 lines, marker, 10).
    expect(linesInRows(index, list, 2, 8)).toEqual([
      { section: 0, from: 1, to: 3 },
      { section: 1, from: 0, to: 3 },
    ]);
    expect(linesInRows(index, list, 14, 18)).toEqual([
      { section: 1, from: 9, to: 10 },
      { section: 1, from: 90, to: 92 },
    ]);
    expect(linesInRows(index, list, 15, 16)).toEqual([]); // the marker alone needs nothing
    expect(blocksOf(9, 92, 50)).toEqual([0, 1]);
    expect(blocksOf(0, 0)).toEqual([]);
  });
});

describe("merging sections", () => {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  it("inserts new sections in creation order and keeps the larger line count", () => {
    const a = section(A, { queuedAt: t(1), totalLines: 10, status: "running" });
    const c = section(C, { queuedAt: t(3) });
    const list = mergeSections([], [c, a]);
    expect(list.map((s) => s.attemptId)).toEqual([A, C]);
    // A late-committed attempt queued between the two lands between them.
    const b = section(B, { queuedAt: t(2) });
    const withB = mergeSections(list, [b]);
    expect(withB.map((s) => s.attemptId)).toEqual([A, B, C]);
    // A refresh read before the last live chunk must not shrink the section.
    const stale = mergeSections(withB, [{ ...a, totalLines: 7, status: "succeeded" }]);
    expect(stale[0]).toMatchObject({ totalLines: 10, status: "succeeded" });
    expect(mergeSections(stale, [stale[1]!])).toBe(stale);
  });

  it("collapses finished sections only in a big log", () => {
    expect(startsCollapsed({ status: "succeeded" }, 10)).toBe(false);
    expect(startsCollapsed({ status: "succeeded" }, 31)).toBe(true);
    expect(startsCollapsed({ status: "failed" }, 1000)).toBe(false);
  });
});

describe("filters and permalinks", () => {
  it("matches live chunks by node and by graph step", () => {
    const chunk = { nodeId: "n1", stepKey: "ntp@n1" };
    expect(chunkMatchesFilter(chunk, {})).toBe(true);
    expect(chunkMatchesFilter(chunk, { nodeId: "n1", stepId: "ntp" })).toBe(true);
    expect(chunkMatchesFilter(chunk, { stepId: "nt" })).toBe(false);
    expect(chunkMatchesFilter(chunk, { nodeId: "n2" })).toBe(false);
  });

  it("round-trips a line through the URL hash, numbered from 1 as shown", () => {
    expect(formatPermalink(A, 41)).toBe(`#log=${A}:42`);
    expect(parsePermalink(`#log=${A}:42`)).toEqual({ attemptId: A, line: 41 });
    expect(parsePermalink(`#log=${A}:0`)).toBeNull();
    expect(parsePermalink("#log=nope:3")).toBeNull();
    expect(parsePermalink("")).toBeNull();
  });
});

describe("line cache", () => {
  it("reports the blocks a range lacks, skipping dropped lines, and evicts the least used", () => {
    const cache = new LineCache(2, 10);
    cache.put(
      A,
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ({ n, stream: "stdout", text: `${n}` })),
    );
    expect(cache.missingBlocks(A, 0, 10)).toEqual([]);
    expect(cache.missingBlocks(A, 5, 25)).toEqual([1, 2]);
    cache.put(A, [{ n: 10, stream: "stdout", text: "10" }]);
    expect(cache.missingBlocks(A, 10, 15, { fromLine: 11, lineCount: 4 })).toEqual([]);
    expect(cache.get(A, 10)?.text).toBe("10");
    // Block 0 was used last (by the missingBlocks above), so a third block evicts block 1.
    expect(cache.missingBlocks(A, 0, 10)).toEqual([]);
    cache.put(B, [{ n: 0, stream: "stderr", text: "b" }]);
    expect(cache.size).toBe(2);
    expect(cache.get(A, 10)).toBeUndefined();
    expect(cache.get(A, 3)?.text).toBe("3");
  });
});
