"use client";
import { useNow, useTranslations } from "next-intl";
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type CSSProperties,
} from "react";
import { flushSync } from "react-dom";
import { ErrorNotice } from "@/components/error-notice";
import { Button, buttonVariants } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { dropMarker } from "@/domain/logs";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";
import { findRanges, markRanges, parseAnsi, stripAnsi, styleCss, type AnsiSpan } from "./ansi";
import type { LogLineView } from "./log-cache";
import {
  formatPermalink,
  isOpenSection,
  parsePermalink,
  rowAt,
  rowOfLine,
  type LogFilter,
  type LogRow,
  type LogSectionView,
} from "./log-rows";
import { LogStore, type LogHitView, type LogSource } from "./log-store";
import { useDuration } from "./status";
import { VirtualList } from "./virtual-list";
import { isAtBottom, scrollTopForRow, virtualTop, visibleWindow } from "./windowing";

/** Every row is this tall: the windowing maths and the CSS agree on it. */
export const LOG_ROW_HEIGHT = 20;
/** Rows rendered beyond the viewport on each side. */
const OVERSCAN = 20;
/** Longer lines are cut for display (the download has them whole). */
const MAX_LINE_CHARS = 4000;
const SEARCH_PAGE = 100;
const LOG_COLORS = { fg: "#e4e4e7", bg: "#09090b" };

export interface LogViewProps {
  source: LogSource;
  /** Whether the task still runs: the view follows its live stream. */
  live: boolean;
  filter: LogFilter;
  onFilterChange: (filter: LogFilter) => void;
  /** Choices of the node and step filters. */
  nodes: readonly { id: string; label: string }[];
  steps: readonly string[];
  /** The page asks to show something (a failed step's log): `nonce` makes a repeat count. */
  focus?: { attemptId: string; line: number; nonce: number } | null;
  downloadHref?: string;
  /** CSS height of the scrolling area. */
  height?: string;
}

interface SearchState {
  query: string;
  hits: LogHitView[];
  next: string | null;
  current: number;
  busy: boolean;
  error: unknown;
}

const NO_SEARCH: SearchState = {
  query: "",
  hits: [],
  next: null,
  current: -1,
  busy: false,
  error: null,
};

/**
 * The task log: sections per attempt (collapsible, with status and duration), lines with numbers,
 * ANSI colours and permalinks, the live tail followed while the view is at the bottom, search on
 * the server with jumps to each hit. Only the rows in view are in the DOM.
 */
export function LogView({
  source,
  live,
  filter,
  onFilterChange,
  nodes,
  steps,
  focus,
  downloadHref,
  height = "60vh",
}: LogViewProps) {
  const t = useTranslations("taskLog");
  const [store] = useState(() => new LogStore(source));
  useSyncExternalStore(store.subscribe, store.getVersion, store.getVersion);
  const version = store.getVersion();
  const viewport = useRef<HTMLDivElement>(null);
  const [viewportHeight, setViewportHeight] = useState(480);
  const [scrollTop, setScrollTop] = useState(0);
  /** At the bottom: new lines scroll into view. Starts true for a running task. */
  const followRef = useRef(live);
  const [following, setFollowing] = useState(live);
  /** The first visible row, where it was (`index`) and how far it was scrolled past. */
  const anchorRef = useRef<{
    row: LogRow;
    attemptId: string;
    index: number;
    offset: number;
  } | null>(null);
  const lastScrollAt = useRef(0);
  const [highlight, setHighlight] = useState<{ attemptId: string; line: number } | null>(null);
  const [search, setSearch] = useState<SearchState>(NO_SEARCH);
  const [draft, setDraft] = useState("");
  const pendingJump = useRef<{ attemptId: string; line: number } | null>(null);

  /** The geometry as it is now (callbacks run later than the render that made them). */
  const geometryNow = useCallback(
    () => ({
      rowCount: store.rowIndex().total,
      rowHeight: LOG_ROW_HEIGHT,
      viewportHeight: viewport.current?.clientHeight || 480,
    }),
    [store],
  );

  const index = store.rowIndex();
  const sections = store.sections;
  const geometry = { rowCount: index.total, rowHeight: LOG_ROW_HEIGHT, viewportHeight };
  const win = visibleWindow(geometry, scrollTop, OVERSCAN);

  // ---- opening and live state

  useEffect(() => {
    void store.open(filter, live);
    // A new filter is a new log: start at its top, or at its end while the task runs.
    followRef.current = live;
    setFollowing(live);
    anchorRef.current = null;
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
    return () => store.close();
    // `live` is handed over by the effect below; reopening on it would drop the lines in view.
  }, [store, filter.nodeId, filter.stepId]);

  useEffect(() => {
    store.setLive(live);
    if (live && store.sections.length === 0) {
      followRef.current = true;
      setFollowing(true);
    }
  }, [store, live]);

  useLayoutEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setViewportHeight(el.clientHeight || 480));
    observer.observe(el);
    setViewportHeight(el.clientHeight || 480);
    return () => observer.disconnect();
  }, []);

  // ---- keeping the view in place as rows change

  useLayoutEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const g = geometryNow();
    if (followRef.current) {
      const bottom = Math.max(0, el.scrollHeight - el.clientHeight);
      if (Math.abs(el.scrollTop - bottom) > 1) el.scrollTop = bottom;
      if (el.scrollTop !== scrollTop) setScrollTop(el.scrollTop);
      return;
    }
    // Rows above the view grew or shrank (a running section above, a section inserted, one
    // collapsed): keep the first visible row where the reader saw it. Nothing moves when the row
    // is where it was — reads filling lines in, the reader's own scrolling.
    const a = anchorRef.current;
    if (!a) return;
    const i = store.sectionIndex(a.attemptId);
    if (i === undefined) return;
    const index = store.rowIndex();
    const header = index.starts[i]!;
    const row =
      a.row.kind === "line" || a.row.kind === "dropped"
        ? rowOfLine(
            index,
            store.sections,
            i,
            a.row.kind === "line" ? a.row.line : a.row.fromLine,
            store.isExpanded,
          )
        : a.row.kind === "empty" && store.isExpanded(a.attemptId)
          ? header + 1
          : header;
    if (row === a.index) return;
    a.index = row;
    const target = Math.round(scrollTopForRow(g, row, "start") + a.offset);
    if (Math.abs(target - el.scrollTop) > 1) {
      el.scrollTop = target;
      setScrollTop(el.scrollTop);
    }
  }, [store, version, viewportHeight, scrollTop, geometryNow]);

  const rememberAnchor = useCallback(
    (top: number) => {
      const g = geometryNow();
      const v = virtualTop(g, top);
      const r = Math.floor(v / LOG_ROW_HEIGHT);
      const row = rowAt(store.rowIndex(), store.sections, r);
      const s = row ? store.sections[row.section] : undefined;
      // The offset is kept in scroll pixels (what scrollTopForRow returns), so it stays right
      // when the scrollbar is scaled.
      anchorRef.current =
        row && s
          ? { row, attemptId: s.attemptId, index: r, offset: top - scrollTopForRow(g, r, "start") }
          : null;
    },
    [store, geometryNow],
  );

  // Browsers fire scroll events once per frame, right before drawing it. The rows for the new
  // position are rendered then and there (flushSync): otherwise a fast drag draws a frame of the
  // old rows, already scrolled out of view — a blank log.
  const onScroll = () => {
    const el = viewport.current;
    if (!el) return;
    lastScrollAt.current = performance.now();
    const top = el.scrollTop;
    const bottom = isAtBottom(geometryNow(), top);
    followRef.current = bottom;
    rememberAnchor(top);
    flushSync(() => {
      setFollowing(bottom);
      setScrollTop(top);
    });
  };

  // ---- reading what is on screen

  useLayoutEffect(() => {
    const immediate = performance.now() - lastScrollAt.current > 150;
    // Lines a few screens either side are read too, so steady scrolling finds them in memory.
    const ahead = Math.ceil(viewportHeight / LOG_ROW_HEIGHT) * 4;
    store.ensureRows(Math.max(0, win.start - ahead), win.end + ahead, immediate);
  }, [store, win.start, win.end, version, viewportHeight]);

  // ---- jumping to a line (permalink, search hit, the page's request)

  const jumpTo = useCallback(
    async (attemptId: string, line: number) => {
      const row = await store.locate(attemptId, line);
      if (row === null) {
        // Not in this filtered view: show the whole log, then try again.
        if (filter.nodeId || filter.stepId) {
          pendingJump.current = { attemptId, line };
          onFilterChange({});
        }
        return;
      }
      const el = viewport.current;
      if (!el) return;
      followRef.current = false;
      setFollowing(false);
      setHighlight({ attemptId, line });
      // The spacer takes the new height on the next render; scroll once it has.
      requestAnimationFrame(() => {
        el.scrollTop = scrollTopForRow(geometryNow(), row, "center");
        rememberAnchor(el.scrollTop);
        setScrollTop(el.scrollTop);
        keepInWindow(el);
      });
    },
    [store, filter.nodeId, filter.stepId, onFilterChange, rememberAnchor, geometryNow],
  );

  useEffect(() => {
    if (!pendingJump.current || store.loading || filter.nodeId || filter.stepId) return;
    const jump = pendingJump.current;
    pendingJump.current = null;
    void jumpTo(jump.attemptId, jump.line);
  }, [store, version, filter.nodeId, filter.stepId, jumpTo]);

  // Listeners registered once call the latest jumpTo (it knows the current filter).
  const jumpRef = useRef(jumpTo);
  jumpRef.current = jumpTo;
  useEffect(() => {
    // A permalink shows its line: the browser restoring the old scroll position would hide it.
    if (parsePermalink(window.location.hash)) window.history.scrollRestoration = "manual";
    const fromHash = () => {
      const p = parsePermalink(window.location.hash);
      if (p) void jumpRef.current(p.attemptId, p.line);
    };
    fromHash();
    window.addEventListener("hashchange", fromHash);
    return () => window.removeEventListener("hashchange", fromHash);
    // Only on mount: later jumps come through hashchange.
  }, []);

  useEffect(() => {
    if (focus) void jumpTo(focus.attemptId, focus.line);
  }, [focus?.nonce]);

  const followLatest = () => {
    followRef.current = true;
    setFollowing(true);
    const el = viewport.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  // ---- search

  const runSearch = async (query: string, after: string | null) => {
    setSearch((s) => ({ ...s, query, busy: true, error: null }));
    try {
      const page = await source.search({ query, after, limit: SEARCH_PAGE });
      setSearch((s) => {
        const hits = after ? [...s.hits, ...page.hits] : page.hits;
        return {
          query,
          hits,
          next: page.next,
          current: after ? s.current : -1,
          busy: false,
          error: null,
        };
      });
      if (!after && page.hits[0]) {
        setSearch((s) => ({ ...s, current: 0 }));
        void jumpTo(page.hits[0].attemptId, page.hits[0].line);
      }
    } catch (error) {
      setSearch((s) => ({ ...s, busy: false, error }));
    }
  };

  const goToHit = (i: number) => {
    const hit = search.hits[i];
    if (!hit) return;
    setSearch((s) => ({ ...s, current: i }));
    void jumpTo(hit.attemptId, hit.line);
    if (i >= search.hits.length - 3 && search.next && !search.busy)
      void runSearch(search.query, search.next);
  };

  // ---- rows

  const now = useNow({ updateInterval: live ? 1000 : 60_000 }).getTime();
  const nodeLabel = new Map(nodes.map((n) => [n.id, n.label]));
  let maxLines = 0;
  for (let i = win.start; i < win.end;) {
    const row = rowAt(index, sections, i);
    if (!row) break;
    maxLines = Math.max(maxLines, sections[row.section]!.totalLines);
    const next = row.section + 1 < sections.length ? index.starts[row.section + 1]! : index.total;
    i = Math.max(i + 1, next);
  }
  const gutter = `${Math.max(4, String(maxLines).length) + 1}ch`;
  const rows = [];
  for (let r = win.start; r < win.end; r++) {
    const row = rowAt(index, sections, r);
    if (!row) break;
    const s = sections[row.section]!;
    if (row.kind === "header") {
      rows.push(
        <SectionHeader
          key={`h:${s.attemptId}`}
          section={s}
          expanded={store.isExpanded(s.attemptId)}
          hostname={s.hostname ?? nodeLabel.get(s.nodeId) ?? s.nodeId}
          now={isOpenSection(s) ? now : 0}
          onToggle={() => store.toggle(s.attemptId)}
        />,
      );
    } else if (row.kind === "line") {
      const line = store.cache.get(s.attemptId, row.line);
      rows.push(
        <LineRow
          key={`l:${s.attemptId}:${row.line}`}
          attemptId={s.attemptId}
          n={row.line}
          line={line}
          gutter={gutter}
          query={search.query && search.hits.length ? search.query : ""}
          highlighted={highlight?.attemptId === s.attemptId && highlight.line === row.line}
          onSelect={(n) => {
            window.history.replaceState(null, "", formatPermalink(s.attemptId, n));
            setHighlight({ attemptId: s.attemptId, line: n });
          }}
        />,
      );
    } else if (row.kind === "dropped") {
      rows.push(
        <MarkerRow key={`d:${s.attemptId}`} gutter={gutter}>
          <DroppedText lines={row.lineCount} />
        </MarkerRow>,
      );
    } else {
      rows.push(
        <MarkerRow key={`e:${s.attemptId}`} gutter={gutter}>
          {isOpenSection(s) ? t("noOutputYet") : t("noOutput")}
        </MarkerRow>,
      );
    }
  }

  const totalLines = store.totalLines();
  const empty = !store.loading && sections.length === 0;
  const filtered = Boolean(filter.nodeId || filter.stepId);

  return (
    <section aria-label={t("title")} data-testid="log-viewer" className="flex flex-col gap-2">
      <div className="flex flex-wrap items-end gap-2">
        <label className="flex flex-col gap-0.5 text-xs text-zinc-500">
          {t("node")}
          <Select
            aria-label={t("node")}
            className="h-8 w-48 py-0 text-sm"
            value={filter.nodeId ?? ""}
            onChange={(e) => onFilterChange({ ...filter, nodeId: e.target.value || undefined })}
          >
            <option value="">{t("allNodes")}</option>
            {nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.label}
              </option>
            ))}
          </Select>
        </label>
        <label className="flex flex-col gap-0.5 text-xs text-zinc-500">
          {t("step")}
          <Select
            aria-label={t("step")}
            className="h-8 w-40 py-0 text-sm"
            value={filter.stepId ?? ""}
            onChange={(e) => onFilterChange({ ...filter, stepId: e.target.value || undefined })}
          >
            <option value="">{t("allSteps")}</option>
            {steps.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </Select>
        </label>
        <form
          role="search"
          className="flex items-end gap-1.5"
          onSubmit={(e) => {
            e.preventDefault();
            const q = draft.trim();
            if (q) void runSearch(q, null);
            else setSearch(NO_SEARCH);
          }}
        >
          <Input
            type="search"
            aria-label={t("searchLabel")}
            placeholder={t("searchPlaceholder")}
            className="h-8 w-56"
            value={draft}
            maxLength={200}
            onChange={(e) => {
              setDraft(e.target.value);
              if (!e.target.value) setSearch(NO_SEARCH);
            }}
          />
          <Button type="submit" size="sm" variant="secondary" disabled={search.busy}>
            {t("search")}
          </Button>
        </form>
        <div className="ml-auto flex flex-wrap items-center gap-1.5">
          <Button size="sm" variant="ghost" onClick={() => store.expandAll()}>
            {t("expandAll")}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => store.collapseFinished()}>
            {t("collapseFinished")}
          </Button>
          {downloadHref ? (
            <a
              href={downloadHref}
              download
              className={buttonVariants({ variant: "secondary", size: "sm" })}
            >
              {t("download")}
            </a>
          ) : null}
        </div>
      </div>

      {search.query ? (
        <SearchResults
          search={search}
          nodeLabel={nodeLabel}
          onPick={goToHit}
          onMore={() => search.next && void runSearch(search.query, search.next)}
        />
      ) : null}

      <div className="relative">
        <div
          ref={viewport}
          role="log"
          aria-live="off"
          aria-label={t("linesLabel")}
          tabIndex={0}
          data-testid="log-viewport"
          onScroll={onScroll}
          className="overflow-auto rounded-md border border-zinc-800 font-mono text-xs focus-visible:outline-2 focus-visible:outline-sky-500"
          style={{
            height,
            minHeight: 240,
            overflow: "auto",
            background: LOG_COLORS.bg,
            color: LOG_COLORS.fg,
            overflowAnchor: "none",
          }}
        >
          <div style={{ height: win.scrollHeight, position: "relative", minWidth: "100%" }}>
            <div
              style={{
                position: "absolute",
                top: win.offsetTop,
                left: 0,
                minWidth: "100%",
                width: "max-content",
              }}
            >
              {rows}
            </div>
          </div>
          {empty ? (
            <p className="absolute inset-x-0 top-6 text-center text-sm text-zinc-400">
              {filtered ? t("emptyFiltered") : live ? t("emptyLive") : t("empty")}
            </p>
          ) : null}
        </div>
        {live && !following && sections.length > 0 ? (
          <Button size="sm" className="absolute right-4 bottom-3 shadow-lg" onClick={followLatest}>
            {t("jumpToLatest")}
          </Button>
        ) : null}
      </div>

      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-zinc-500">
        <span data-testid="log-counts">
          {t("counts", { lines: totalLines, sections: sections.length })}
        </span>
        {store.loading ? <span>{t("loadingSections")}</span> : null}
        <FollowState live={live} state={store.follow} following={following} />
        {store.error ? <ErrorNotice error={store.error} /> : null}
        <span className="ml-auto">{t("permalinkHint")}</span>
      </div>
    </section>
  );
}

/**
 * A permalink opens the page at its top (or where the browser restores it): bring the jumped-to
 * line into the window once it is drawn, and keep it there for a moment while the cards above
 * load and change height — until the reader scrolls or types.
 */
function keepInWindow(viewport: HTMLElement, ms = 2000) {
  const deadline = performance.now() + ms;
  const stop = new AbortController();
  for (const type of ["wheel", "touchstart", "keydown", "mousedown"])
    window.addEventListener(type, () => stop.abort(), { once: true, signal: stop.signal });
  const step = () => {
    if (stop.signal.aborted) return;
    if (performance.now() > deadline) {
      stop.abort();
      return;
    }
    const target = viewport.querySelector('[data-highlighted="true"]');
    if (target) {
      const box = target.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight)
        target.scrollIntoView({ block: "nearest" });
    }
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

function FollowState({
  live,
  state,
  following,
}: {
  live: boolean;
  state: LogStore["follow"];
  following: boolean;
}) {
  const t = useTranslations("taskLog");
  if (!live) return <span>{t("ended")}</span>;
  if (state === "connecting") return <span className="text-amber-600">{t("reconnecting")}</span>;
  return (
    <span className="inline-flex items-center gap-1.5 text-emerald-700 dark:text-emerald-400">
      <span
        aria-hidden
        className="inline-block h-1.5 w-1.5 animate-pulse rounded-full bg-current"
      />
      {following ? t("following") : t("liveNotFollowing")}
    </span>
  );
}

const rowStyle: CSSProperties = {
  height: LOG_ROW_HEIGHT,
  lineHeight: `${LOG_ROW_HEIGHT}px`,
  whiteSpace: "pre",
};

const STATUS_COLOR: Partial<Record<LogSectionView["status"], string>> = {
  succeeded: "#4ade80",
  failed: "#f87171",
  timed_out: "#f87171",
  lost: "#f87171",
  running: "#60a5fa",
  dispatched: "#60a5fa",
  killing: "#facc15",
  cancelled: "#a1a1aa",
};

const SectionHeader = memo(function SectionHeader({
  section: s,
  expanded,
  hostname,
  now,
  onToggle,
}: {
  section: LogSectionView;
  expanded: boolean;
  hostname: string;
  /** The clock, for a section still running; 0 otherwise (so finished headers never re-render). */
  now: number;
  onToggle: () => void;
}) {
  const t = useTranslations("taskLog");
  const ts = useTranslations("tasks.attemptStatuses");
  const locale = useCairnLocale();
  const duration = useDuration();
  const start = s.startedAt?.getTime();
  const end = s.endedAt?.getTime() ?? (now || undefined);
  return (
    <div
      style={rowStyle}
      className="border-y border-zinc-800 bg-zinc-900"
      data-testid="log-section"
    >
      <button
        type="button"
        aria-expanded={expanded}
        onClick={onToggle}
        title={s.reason ? s.reason.message[locale] : undefined}
        className="flex h-full w-full items-center gap-2 px-2 text-left hover:bg-zinc-800 focus-visible:outline-1 focus-visible:outline-sky-500"
      >
        <span aria-hidden className="inline-block w-3 text-zinc-500">
          {expanded ? "▾" : "▸"}
        </span>
        <span className="font-semibold text-zinc-100">{hostname}</span>
        <span className="text-zinc-500">·</span>
        <span className="text-sky-300">{s.stepId}</span>
        <span className="text-zinc-500">{t("attempt", { number: s.number })}</span>
        <span style={{ color: STATUS_COLOR[s.status] ?? "#a1a1aa" }}>{ts(s.status)}</span>
        {s.exitCode !== null && s.exitCode !== 0 ? (
          <span className="text-red-300">{t("exitCode", { code: s.exitCode })}</span>
        ) : null}
        {start !== undefined && end !== undefined ? (
          <span className="text-zinc-400">{duration(end - start)}</span>
        ) : null}
        <span className="text-zinc-500">{t("lines", { count: s.totalLines })}</span>
        {s.reason && s.status !== "succeeded" ? (
          <span className="truncate text-zinc-400">— {s.reason.message[locale]}</span>
        ) : null}
      </button>
    </div>
  );
});

const STREAM_CLASS = {
  stdout: "",
  stderr: "text-amber-200",
  system: "italic text-zinc-400",
} as const;

const LineRow = memo(function LineRow({
  attemptId,
  n,
  line,
  gutter,
  query,
  highlighted,
  onSelect,
}: {
  attemptId: string;
  n: number;
  line: LogLineView | undefined;
  gutter: string;
  query: string;
  highlighted: boolean;
  onSelect: (n: number) => void;
}) {
  return (
    <div
      style={rowStyle}
      data-testid="log-line"
      data-line={n + 1}
      data-highlighted={highlighted || undefined}
      className={cn("flex hover:bg-zinc-900", highlighted && "bg-sky-950 hover:bg-sky-950")}
    >
      <a
        href={formatPermalink(attemptId, n)}
        onClick={(e) => {
          e.preventDefault();
          onSelect(n);
        }}
        className="shrink-0 pr-3 text-right text-zinc-600 select-none hover:text-zinc-300 hover:underline"
        style={{ width: gutter }}
      >
        {n + 1}
      </a>
      {line ? (
        <span className={cn("pr-4", STREAM_CLASS[line.stream])}>
          <LineText text={line.text} query={query} />
        </span>
      ) : (
        <span aria-hidden className="my-1.5 inline-block w-48 rounded bg-zinc-800/80" />
      )}
    </div>
  );
});

/** Parsed spans per line text: scrolling back over the same lines parses nothing again. */
const spanCache = new Map<string, AnsiSpan[]>();

function spansOf(text: string): AnsiSpan[] {
  let spans = spanCache.get(text);
  if (!spans) {
    spans = parseAnsi(text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS) : text);
    if (spanCache.size > 5000) spanCache.clear();
    spanCache.set(text, spans);
  }
  return spans;
}

function LineText({ text, query }: { text: string; query: string }) {
  const t = useTranslations("taskLog");
  let spans: (AnsiSpan & { mark?: true })[] = spansOf(text);
  if (query) spans = markRanges(spans, findRanges(spans.map((s) => s.text).join(""), query));
  return (
    <>
      {spans.map((s, i) => {
        const style = styleCss(s.style, LOG_COLORS);
        return s.mark ? (
          <mark key={i} style={style} className="rounded-sm bg-amber-300 text-zinc-950">
            {s.text}
          </mark>
        ) : style ? (
          <span key={i} style={style}>
            {s.text}
          </span>
        ) : (
          s.text
        );
      })}
      {text.length > MAX_LINE_CHARS ? (
        <span className="text-zinc-500">
          {" "}
          {t("lineCut", { count: text.length - MAX_LINE_CHARS })}
        </span>
      ) : null}
    </>
  );
}

function MarkerRow({ gutter, children }: { gutter: string; children: React.ReactNode }) {
  return (
    <div style={rowStyle} className="flex text-zinc-400 italic">
      <span className="shrink-0" style={{ width: gutter }} />
      <span className="pr-4">{children}</span>
    </div>
  );
}

function DroppedText({ lines }: { lines: number }) {
  const locale = useCairnLocale();
  return <>{dropMarker(locale, { lines })}</>;
}

function SearchResults({
  search,
  nodeLabel,
  onPick,
  onMore,
}: {
  search: SearchState;
  nodeLabel: Map<string, string>;
  onPick: (i: number) => void;
  onMore: () => void;
}) {
  const t = useTranslations("taskLog");
  const { hits, current } = search;
  return (
    <div
      className="rounded-md border border-zinc-200 bg-white p-2 text-sm dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="log-search"
    >
      <div className="mb-1 flex flex-wrap items-center gap-2">
        <span role="status" className="font-medium">
          {search.busy && hits.length === 0
            ? t("searching")
            : search.next
              ? t("hitsMore", { count: hits.length })
              : t("hits", { count: hits.length })}
        </span>
        {hits.length ? (
          <>
            <Button
              size="sm"
              variant="secondary"
              aria-label={t("previousHit")}
              disabled={current <= 0}
              onClick={() => onPick(current - 1)}
            >
              ↑
            </Button>
            <Button
              size="sm"
              variant="secondary"
              aria-label={t("nextHit")}
              disabled={current >= hits.length - 1}
              onClick={() => onPick(current + 1)}
            >
              ↓
            </Button>
            <span className="text-xs text-zinc-500">
              {current >= 0 ? t("hitOf", { n: current + 1, count: hits.length }) : null}
            </span>
          </>
        ) : null}
        {search.next ? (
          <Button size="sm" variant="ghost" onClick={onMore} disabled={search.busy}>
            {t("moreHits")}
          </Button>
        ) : null}
      </div>
      {search.error ? <ErrorNotice error={search.error} /> : null}
      {hits.length ? (
        <VirtualList
          items={hits}
          rowHeight={24}
          maxHeight={144}
          label={t("hitsLabel")}
          rowKey={(h, i) => `${h.attemptId}:${h.line}:${i}`}
          renderRow={(h, i) => (
            <button
              type="button"
              onClick={() => onPick(i)}
              className={cn(
                "flex h-full w-full items-center gap-2 overflow-hidden rounded px-1.5 text-left font-mono text-xs whitespace-nowrap hover:bg-zinc-100 dark:hover:bg-zinc-800",
                i === current && "bg-sky-100 dark:bg-sky-950",
              )}
            >
              <span className="shrink-0 text-zinc-500">
                {nodeLabel.get(h.nodeId ?? "") ?? h.nodeId ?? "—"} ·{" "}
                {h.stepKey?.split("@")[0] ?? "—"} · {t("lineNo", { n: h.line + 1 })}
              </span>
              <span className="truncate">{stripAnsi(h.text)}</span>
            </button>
          )}
        />
      ) : null}
    </div>
  );
}
