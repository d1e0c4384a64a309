/**
 * Windowed rendering maths: fixed-height rows, only the visible ones (plus a few either side) in
 * the DOM. Browsers cap an element's height (Chromium near 33.5 million px, Firefox near 17.9
 * million), so past `maxScrollPx` the scrollbar is scaled: the scroll range stays at the cap and
 * maps linearly onto the full content — a million 20 px rows still scroll end to end. Pure.
 */

export interface WindowGeometry {
  rowCount: number;
  rowHeight: number;
  viewportHeight: number;
  /** Largest height given to the scrolling element. */
  maxScrollPx?: number;
}

/** Comfortably below every browser's cap on an element's height. */
export const MAX_SCROLL_PX = 8_000_000;

export interface VisibleWindow {
  /** First and one-past-last row to render, overscan included. */
  start: number;
  end: number;
  /** Height of the scrolling element's content. */
  scrollHeight: number;
  /** Where the first rendered row is placed, in the scrolling element's coordinates. */
  offsetTop: number;
  /** True when the scrollbar is scaled (content taller than the cap). */
  scaled: boolean;
}

export function contentHeight(g: WindowGeometry): number {
  return Math.max(0, g.rowCount) * g.rowHeight;
}

export function scrollHeightOf(g: WindowGeometry): number {
  return Math.min(contentHeight(g), g.maxScrollPx ?? MAX_SCROLL_PX);
}

/** The content offset (virtual px) shown at the top of the viewport for a scroll position. */
export function virtualTop(g: WindowGeometry, scrollTop: number): number {
  const full = contentHeight(g);
  const height = scrollHeightOf(g);
  const range = Math.max(0, full - g.viewportHeight);
  const scrollRange = Math.max(0, height - g.viewportHeight);
  const top = clamp(scrollTop, 0, scrollRange);
  if (full <= height || scrollRange === 0) return Math.min(top, range);
  return (top / scrollRange) * range;
}

/** The rows to render for a scroll position. */
export function visibleWindow(g: WindowGeometry, scrollTop: number, overscan = 10): VisibleWindow {
  const scrollHeight = scrollHeightOf(g);
  const scaled = contentHeight(g) > scrollHeight;
  if (g.rowCount <= 0 || g.rowHeight <= 0)
    return { start: 0, end: 0, scrollHeight: 0, offsetTop: 0, scaled: false };
  const vTop = virtualTop(g, scrollTop);
  const first = Math.floor(vTop / g.rowHeight);
  const visible = Math.ceil(g.viewportHeight / g.rowHeight) + 1;
  const start = clamp(first - overscan, 0, g.rowCount);
  const end = clamp(first + visible + overscan, 0, g.rowCount);
  // Rows sit where the viewport shows them: the scroll position plus the row's distance from the
  // virtual top (the same as start × rowHeight when nothing is scaled).
  const top = clamp(scrollTop, 0, Math.max(0, scrollHeight - g.viewportHeight));
  const offsetTop = top + (start * g.rowHeight - vTop);
  return { start, end, scrollHeight, offsetTop, scaled };
}

/** The scroll position that shows `row` at the top, centred, or at the bottom of the viewport. */
export function scrollTopForRow(
  g: WindowGeometry,
  row: number,
  align: "start" | "center" | "end" = "start",
): number {
  const full = contentHeight(g);
  const height = scrollHeightOf(g);
  const range = Math.max(0, full - g.viewportHeight);
  const r = clamp(row, 0, Math.max(0, g.rowCount - 1));
  let v = r * g.rowHeight;
  if (align === "center") v -= (g.viewportHeight - g.rowHeight) / 2;
  else if (align === "end") v -= g.viewportHeight - g.rowHeight;
  v = clamp(v, 0, range);
  if (full <= height || range === 0) return v;
  return (v / range) * Math.max(0, height - g.viewportHeight);
}

/** Whether the viewport shows the last row (within `slack` px): the log follows new lines then. */
export function isAtBottom(g: WindowGeometry, scrollTop: number, slack = 4): boolean {
  return scrollTop + g.viewportHeight >= scrollHeightOf(g) - slack;
}

/** Whether `row` is entirely inside the viewport at this scroll position. */
export function isRowVisible(g: WindowGeometry, scrollTop: number, row: number): boolean {
  const vTop = virtualTop(g, scrollTop);
  const top = row * g.rowHeight;
  return top >= vTop && top + g.rowHeight <= vTop + g.viewportHeight;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
