import { describe, expect, it } from "vitest";
import { LogStore } from "./log-store";
import { rowAt } from "./log-rows";
import { MemorySource, section } from "./testing/memory-source";

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

/** Timers the test moves by hand; the source's own answers settle on real (0 ms) timers. */
function manualTimers() {
  let now = 0;
  let next = 0;
  const pending = new Map<number, { fn: () => void; at: number }>();
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      pending.set(++next, { fn, at: now + ms });
      return next;
    },
    clearTimer: (h: unknown) => {
      pending.delete(h as number);
    },
    async advance(ms: number) {
      now += ms;
      for (const [k, t] of [...pending].sort((a, b) => a[1].at - b[1].at))
        if (t.at <= now && pending.has(k)) {
          pending.delete(k);
          t.fn();
          await settle();
        }
      await settle();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

function store(source: MemorySource, timers = manualTimers(), pageSize = 2) {
  return { s: new LogStore(source, { ...timers, pageSize, compactAbove: 3 }), timers };
}

describe("LogStore", () => {
  it("pages in every section of a finished task and follows nothing", async () => {
    const source = new MemorySource({
      sections: [1, 2, 3].map((n) => section(id(n), { queuedAt: at(n), totalLines: 2 })),
      line: (a, n) => `${a.slice(-1)}:${n}`,
    });
    const { s } = store(source);
    await s.open({}, false);
    expect(s.sections.map((x) => x.attemptId)).toEqual([id(1), id(2), id(3)]);
    expect([s.complete, s.loading, s.follow]).toEqual([true, false, "idle"]);
    expect(source.calls).toMatchObject({ sections: 2, follow: 0 });
    expect(s.totalLines()).toBe(6);
  });

  it("starts a big log with finished sections collapsed and failures open", async () => {
    const source = new MemorySource({
      sections: [1, 2, 3, 4].map((n) =>
        section(id(n), {
          queuedAt: at(n),
          totalLines: 5,
          status: n === 3 ? "failed" : "succeeded",
        }),
      ),
      line: () => "x",
    });
    const { s } = store(source, manualTimers(), 10);
    await s.open({}, false);
    expect(s.sections.map((x) => s.isExpanded(x.attemptId))).toEqual([false, false, true, false]);
    expect(s.rowIndex().total).toBe(4 + 5);
    s.expandAll();
    expect(s.rowIndex().total).toBe(4 + 20);
    s.collapseFinished();
    expect(s.rowIndex().total).toBe(4 + 5);
  });

  it("reads only the blocks on screen of a million-line section", async () => {
    const source = new MemorySource({
      sections: [section(id(1), { totalLines: 1_000_000 })],
      line: (_, n) => `line ${n}`,
    });
    const { s, timers } = store(source);
    await s.open({}, false);
    const row = 1 + 600_000; // header, then line 600,000
    s.ensureRows(row, row + 60, true);
    await settle();
    expect(source.calls.window).toBe(1);
    expect(s.cache.get(id(1), 600_010)?.text).toBe("line 600010");
    expect(rowAt(s.rowIndex(), s.sections, row)).toEqual({
      kind: "line",
      section: 0,
      line: 600_000,
    });
    // Already in memory: nothing more is read.
    s.ensureRows(row, row + 60);
    await timers.advance(150);
    expect(source.calls.window).toBe(1);
    // A fling: the first position is read at once; the next read starts when that one is done
    // (or the throttle period is over), for where the view is by then — not the screens it passed.
    s.ensureRows(1 + 10_000, 1 + 10_060);
    s.ensureRows(1 + 20_000, 1 + 20_060);
    s.ensureRows(1 + 900_000, 1 + 900_060);
    await settle();
    await timers.advance(150);
    expect(source.calls.window).toBe(3);
    expect(s.cache.get(id(1), 10_000)?.text).toBe("line 10000");
    expect(s.cache.get(id(1), 20_000)).toBeUndefined();
    expect(s.cache.get(id(1), 900_000)?.text).toBe("line 900000");
  });

  it("follows a running task from the tail: lines grow sections, new attempts appear", async () => {
    const running = section(id(1), { queuedAt: at(1), totalLines: 3, status: "running" });
    const source = new MemorySource({ sections: [running], line: (_, n) => `old ${n}` });
    const { s, timers } = store(source);
    await s.open({}, true);
    expect(source.followedFrom).toEqual(["p0"]);
    source.push(running, ["new 3", "new 4"]);
    expect(s.sections[0]!.totalLines).toBe(5);
    expect(s.cache.get(id(1), 4)?.text).toBe("new 4");

    // A chunk of an attempt the list does not know yet: its section is read shortly after.
    const next = section(id(2), { queuedAt: at(2), status: "running", nodeId: "node-2" });
    source.push(next, ["first line of attempt 2"]);
    expect(s.sectionIndex(id(2))).toBeUndefined();
    await timers.advance(300);
    expect(s.sectionIndex(id(2))).toBe(1);
    expect(s.sections[1]!.totalLines).toBe(1);
    expect(s.cache.get(id(2), 0)?.text).toBe("first line of attempt 2");

    // Statuses of running sections are refreshed every tick.
    source.log.sections[0]!.status = "succeeded";
    await timers.advance(2000);
    expect(s.sections[0]!.status).toBe("succeeded");
  });

  it("resumes the stream from the last chunk when it ends while the task still runs", async () => {
    const running = section(id(1), { status: "running" });
    const source = new MemorySource({ sections: [running], line: () => "" });
    const { s, timers } = store(source);
    await s.open({}, true);
    const last = source.push(running, ["a"]);
    source.end();
    expect(s.follow).toBe("ended");
    await timers.advance(1000);
    expect(source.followedFrom).toEqual(["p0", last.position]);
    expect(source.following).toBe(1);
    // The task ended for good: nothing restarts.
    s.setLive(false);
    source.end();
    await timers.advance(5000);
    expect(source.calls.follow).toBe(2);
  });

  it("keeps to its filter: other nodes' sections and chunks stay out", async () => {
    const mine = section(id(1), { nodeId: "n1", status: "running" });
    const other = section(id(2), { nodeId: "n2", status: "running" });
    const source = new MemorySource({ sections: [mine, other], line: () => "" });
    const { s } = store(source);
    await s.open({ nodeId: "n1" }, true);
    expect(s.sections.map((x) => x.nodeId)).toEqual(["n1"]);
    source.push(other, ["not mine"]);
    expect(s.cache.get(id(2), 0)).toBeUndefined();
  });

  it("locates a line: waits for the sections, expands a collapsed one", async () => {
    const source = new MemorySource(
      {
        sections: [1, 2, 3, 4].map((n) => section(id(n), { queuedAt: at(n), totalLines: 10 })),
        line: () => "",
      },
      5,
    );
    const { s } = store(source, manualTimers(), 1);
    void s.open({}, false);
    const row = await s.locate(id(4), 7);
    expect(s.isExpanded(id(4))).toBe(true);
    expect(rowAt(s.rowIndex(), s.sections, row!)).toEqual({ kind: "line", section: 3, line: 7 });
    expect(await s.locate(id(9), 0)).toBeNull();
  });
});
