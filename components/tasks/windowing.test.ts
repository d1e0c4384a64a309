import { describe, expect, it } from "vitest";
import {
  isAtBottom,
  isRowVisible,
  scrollHeightOf,
  scrollTopForRow,
  virtualTop,
  visibleWindow,
} from "./windowing";

const small = { rowCount: 100, rowHeight: 20, viewportHeight: 200 };
/** A million 20 px rows: 20,000,000 px of content, more than the scroll cap. */
const huge = { rowCount: 1_000_000, rowHeight: 20, viewportHeight: 600, maxScrollPx: 8_000_000 };

describe("visibleWindow", () => {
  it("renders the rows in view plus the overscan, placed where they scroll to", () => {
    expect(visibleWindow(small, 0, 2)).toEqual({
      start: 0,
      end: 13, // 10 visible + 1 partial + 2 overscan
      scrollHeight: 2000,
      offsetTop: 0,
      scaled: false,
    });
    const w = visibleWindow(small, 410, 2);
    expect([w.start, w.end]).toEqual([18, 33]);
    expect(w.offsetTop).toBe(18 * 20);
  });

  it("never goes past the last row or before the first", () => {
    const w = visibleWindow(small, 10_000, 5);
    expect(w.end).toBe(100);
    expect(w.start).toBe(85);
    expect(visibleWindow({ ...small, rowCount: 0 }, 50)).toMatchObject({ start: 0, end: 0 });
    expect(visibleWindow(small, -30, 0).start).toBe(0);
  });

  it("renders a few dozen rows for a million-line log at any position", () => {
    for (const top of [0, 1234, 4_000_000, 7_999_400]) {
      const w = visibleWindow(huge, top, 10);
      expect(w.end - w.start).toBeLessThanOrEqual(52);
      expect(w.scaled).toBe(true);
      expect(w.scrollHeight).toBe(8_000_000);
    }
  });

  it("scales the scrollbar past the cap so the last row is reachable", () => {
    expect(scrollHeightOf(huge)).toBe(8_000_000);
    const bottom = 8_000_000 - 600;
    const w = visibleWindow(huge, bottom, 0);
    expect(w.end).toBe(1_000_000);
    expect(virtualTop(huge, bottom)).toBe(20_000_000 - 600);
    // The first rendered row is drawn at the viewport's top edge (minus its part scrolled away).
    const row = Math.floor(virtualTop(huge, bottom) / 20);
    expect(w.offsetTop).toBeCloseTo(bottom + (row * 20 - virtualTop(huge, bottom)), 6);
    // Halfway down the scrollbar is halfway through the rows.
    const mid = visibleWindow(huge, (8_000_000 - 600) / 2, 0);
    expect(mid.start).toBeGreaterThan(499_000);
    expect(mid.start).toBeLessThan(501_000);
  });
});

describe("scrollTopForRow", () => {
  it("puts a row at the top, in the middle or at the bottom", () => {
    expect(scrollTopForRow(small, 30)).toBe(600);
    expect(scrollTopForRow(small, 30, "center")).toBe(600 - 90);
    expect(scrollTopForRow(small, 30, "end")).toBe(600 - 180);
    expect(scrollTopForRow(small, 99)).toBe(1800); // clamped: the last screen
    expect(scrollTopForRow(small, 0, "center")).toBe(0);
  });

  it("lands on the row in a scaled log too", () => {
    for (const row of [0, 1, 777_777, 999_999]) {
      // Browsers keep scroll positions in whole pixels: a scaled pixel is 2.5 rows' px here.
      const top = Math.round(scrollTopForRow(huge, row, "center"));
      const w = visibleWindow(huge, top, 0);
      expect(w.start).toBeLessThanOrEqual(row);
      expect(w.end).toBeGreaterThan(row);
      expect(isRowVisible(huge, top, row)).toBe(true);
    }
  });
});

describe("isAtBottom", () => {
  it("is true only when the last row is in view", () => {
    expect(isAtBottom(small, 1800)).toBe(true);
    expect(isAtBottom(small, 1797)).toBe(true);
    expect(isAtBottom(small, 1700)).toBe(false);
    expect(isAtBottom({ ...small, rowCount: 3 }, 0)).toBe(true);
    expect(isAtBottom(huge, 8_000_000 - 600)).toBe(true);
  });
});
