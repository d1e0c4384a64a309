"use client";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { cn } from "@/lib/utils";
import { visibleWindow } from "./windowing";

/**
 * A scrolling list of fixed-height rows that keeps only the visible ones in the DOM: a thousand
 * nodes, or every entry of a graph step, scroll like ten. `onEndReached` asks for the next page
 * when the last rows come into view.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  maxHeight,
  rowKey,
  renderRow,
  onEndReached,
  className,
  label,
  testId,
}: {
  items: readonly T[];
  rowHeight: number;
  /** The list grows with its rows up to this height, then scrolls. */
  maxHeight: number;
  rowKey: (item: T, index: number) => string;
  renderRow: (item: T, index: number) => ReactNode;
  onEndReached?: () => void;
  className?: string;
  label?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const height = Math.min(maxHeight, Math.max(rowHeight, items.length * rowHeight));
  const w = visibleWindow(
    { rowCount: items.length, rowHeight, viewportHeight: height },
    scrollTop,
    8,
  );
  const nearEnd = w.end >= items.length - 5;
  useEffect(() => {
    if (nearEnd && items.length > 0) onEndReached?.();
  }, [nearEnd, items.length, onEndReached]);
  const frame = useRef<number | null>(null);
  return (
    <div
      ref={ref}
      role="list"
      aria-label={label}
      data-testid={testId}
      tabIndex={0}
      className={cn(
        "relative overflow-auto focus-visible:outline-2 focus-visible:outline-sky-500",
        className,
      )}
      style={{ height }}
      onScroll={(e) => {
        const top = e.currentTarget.scrollTop;
        if (frame.current !== null) cancelAnimationFrame(frame.current);
        frame.current = requestAnimationFrame(() => {
          frame.current = null;
          setScrollTop(top);
        });
      }}
    >
      <div style={{ height: w.scrollHeight, position: "relative" }}>
        <div style={{ position: "absolute", top: w.offsetTop, left: 0, right: 0 }}>
          {items.slice(w.start, w.end).map((item, i) => (
            <div key={rowKey(item, w.start + i)} role="listitem" style={{ height: rowHeight }}>
              {renderRow(item, w.start + i)}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
