import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../client";
import { testDatabases } from "../../test/databases";
import { dropMarker } from "../../domain/logs";
import {
  appendLogBatch,
  readLog,
  readLogWindow,
  searchLog,
  streamLogText,
  type AppendLogBatch,
  type LogLimits,
} from "./logs";

/** `${prefix}${n}` for n in [from, from + count), zero-padded so every line has the same size. */
const numbered = (prefix: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(from + i).padStart(4, "0")}`);

/**
 * A live read once nothing is held back. On a shared PostgreSQL server a transaction in another
 * database that ends at the wrong moment can hold chunks back for one read (see readLog).
 */
async function settled(...args: Parameters<typeof readLog>) {
  for (let tries = 0; ; tries++) {
    const read = await readLog(...args);
    if (!read.behind || read.chunks.length === args[1].limit || tries === 50) return read;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const parts: string[] = [];
  for await (const part of iterable) parts.push(part);
  return parts;
}

describe.each(testDatabases())("log store on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  beforeAll(async () => {
    database = await target.open();
  });
  afterAll(async () => {
    await database.drop();
  });

  const ids = () => ({ taskId: randomUUID(), attemptId: randomUUID() });
  const batch = (
    base: { taskId: string; attemptId: string },
    seq: number,
    lines: string[],
    extra: Partial<AppendLogBatch> = {},
  ) =>
    appendLogBatch(database.db, {
      ...base,
      nodeId: "node-1",
      stepKey: "hostname",
      seq,
      stream: "stdout",
      lines,
      ...extra,
    });

  it("stores a re-sent batch once and answers where it was stored", async () => {
    const a = ids();
    expect(await batch(a, 0, ["one", "two", "three"])).toMatchObject({
      accepted: true,
      firstLine: 0,
    });
    expect(await batch(a, 1, ["four", "five"])).toMatchObject({ accepted: true, firstLine: 3 });
    expect(await batch(a, 0, ["one", "two", "three"])).toEqual({
      accepted: false,
      firstLine: 0,
      lineCount: 0,
      droppedLines: 0,
    });
    expect(await batch(a, 1, ["four", "five"])).toMatchObject({ accepted: false, firstLine: 3 });
    expect(await batch(a, 2, ["six"])).toMatchObject({ accepted: true, firstLine: 5 });

    const window = await readLogWindow(database.db, {
      attemptId: a.attemptId,
      fromLine: 0,
      lineCount: 100,
    });
    expect(window.totalLines).toBe(6);
    expect(window.lines.map((l) => l.text)).toEqual(["one", "two", "three", "four", "five", "six"]);
    const { chunks } = await settled(database.db, { taskId: a.taskId, limit: 100 });
    expect(chunks.map((c) => c.seq)).toEqual([0, 1, 2]);
  });

  it("numbers lines across batches and streams, splitting embedded newlines", async () => {
    const a = ids();
    expect((await batch(a, 0, ["a0", "a1", "a2"])).firstLine).toBe(0);
    expect((await batch(a, 1, ["e0", "e1"], { stream: "stderr" })).firstLine).toBe(3);
    expect((await batch(a, 2, ["s0"], { stream: "system" })).firstLine).toBe(5);
    expect(await batch(a, 3, ["x\ny", "z\r\n"])).toMatchObject({ firstLine: 6, lineCount: 4 });
    expect((await batch(a, 4, ["tail"])).firstLine).toBe(10);
    // An empty batch stores nothing and reports the current position.
    expect(await batch(a, 5, [])).toMatchObject({ accepted: true, firstLine: 11, lineCount: 0 });

    const { lines, totalLines } = await readLogWindow(database.db, {
      attemptId: a.attemptId,
      fromLine: 0,
      lineCount: 50,
    });
    expect(totalLines).toBe(11);
    expect(lines).toEqual([
      { n: 0, stream: "stdout", text: "a0" },
      { n: 1, stream: "stdout", text: "a1" },
      { n: 2, stream: "stdout", text: "a2" },
      { n: 3, stream: "stderr", text: "e0" },
      { n: 4, stream: "stderr", text: "e1" },
      { n: 5, stream: "system", text: "s0" },
      { n: 6, stream: "stdout", text: "x" },
      { n: 7, stream: "stdout", text: "y" },
      { n: 8, stream: "stdout", text: "z" },
      { n: 9, stream: "stdout", text: "" },
      { n: 10, stream: "stdout", text: "tail" },
    ]);
  });

  it("gives concurrent first batches of one attempt distinct, gapless line ranges", async () => {
    const a = ids();
    const results = await Promise.all(
      [0, 1, 2, 3].map((seq) => batch(a, seq, numbered(`s${seq}-`, 0, 5))),
    );
    expect(results.every((r) => r.accepted)).toBe(true);
    expect(results.map((r) => r.firstLine).sort((x, y) => x! - y!)).toEqual([0, 5, 10, 15]);
    const { lines, totalLines } = await readLogWindow(database.db, {
      attemptId: a.attemptId,
      fromLine: 0,
      lineCount: 100,
    });
    expect(totalLines).toBe(20);
    expect(lines.map((l) => l.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("accepts a batch sent several times at once exactly once", async () => {
    const a = ids();
    await batch(a, 0, ["first"]);
    const copies = await Promise.all([1, 2, 3, 4].map(() => batch(a, 1, ["x", "y"])));
    expect(copies.filter((r) => r.accepted)).toHaveLength(1);
    expect(copies.map((r) => r.firstLine)).toEqual([1, 1, 1, 1]);
    expect(await batch(a, 2, ["z"])).toMatchObject({ accepted: true, firstLine: 3 });
    const window = await readLogWindow(database.db, {
      attemptId: a.attemptId,
      fromLine: 0,
      lineCount: 10,
    });
    expect(window.lines.map((l) => l.text)).toEqual(["first", "x", "y", "z"]);
  });

  describe("retention", () => {
    // Every batch is 10 lines of 9 characters: 99 bytes with the separators.
    const limits: LogLimits = { maxBytes: 1000, headBytes: 200, trimToBytes: 700 };
    const a = ids();
    const results: Awaited<ReturnType<typeof appendLogBatch>>[] = [];

    beforeAll(async () => {
      for (let seq = 0; seq < 15; seq++)
        results.push(await batch(a, seq, numbered("line-", seq * 10, 10), { limits }));
    });

    it("keeps the head and the latest chunks and counts what it dropped", async () => {
      expect(results.map((r) => r.firstLine)).toEqual(Array.from({ length: 15 }, (_, i) => i * 10));
      // Crossing 1,000 bytes after batch 10 trims back under 700: batches 3–6 go; again after 14: 7–10.
      expect(results[9]!.droppedLines).toBe(0);
      expect(results[10]!.droppedLines).toBe(40);
      expect(results[14]!.droppedLines).toBe(80);

      const window = await readLogWindow(database.db, {
        attemptId: a.attemptId,
        fromLine: 0,
        lineCount: 1000,
      });
      expect(window.totalLines).toBe(150);
      expect(window.totalBytes).toBe(15 * 99);
      expect(window.dropped).toEqual({ fromLine: 30, lineCount: 80, bytes: 8 * 99 });
      expect(window.lines.map((l) => l.n)).toEqual([
        ...Array.from({ length: 30 }, (_, i) => i),
        ...Array.from({ length: 40 }, (_, i) => 110 + i),
      ]);
      expect(window.lines.at(-1)?.text).toBe("line-0149");
    });

    it("refuses a re-send of a dropped batch without storing it again", async () => {
      expect(await batch(a, 5, numbered("line-", 50, 10), { limits })).toEqual({
        accepted: false,
        firstLine: null,
        lineCount: 0,
        droppedLines: 80,
      });
      expect(await batch(a, 12, numbered("line-", 120, 10), { limits })).toMatchObject({
        accepted: false,
        firstLine: 120,
      });
      const window = await readLogWindow(database.db, {
        attemptId: a.attemptId,
        fromLine: 40,
        lineCount: 80,
      });
      expect(window.totalLines).toBe(150);
      expect(window.lines.map((l) => l.n)).toEqual(Array.from({ length: 10 }, (_, i) => 110 + i));
    });

    it("downloads head, a marker with the dropped count, then the tail", async () => {
      const text = (await collect(streamLogText(database.db, { attemptId: a.attemptId }))).join("");
      const expected = [
        ...numbered("line-", 0, 30),
        "[… 80 lines dropped (792 B); the first and the latest lines of this attempt are kept …]",
        ...numbered("line-", 110, 40),
      ];
      expect(text).toBe(`${expected.join("\n")}\n`);
      const zh = (
        await collect(streamLogText(database.db, { attemptId: a.attemptId, locale: "zh-CN" }))
      ).join("");
      expect(zh).toContain("[… 已省略 80 行（792 B）；");
    });

    it("never drops the newest chunk, even when it alone is over the limit", async () => {
      const b = ids();
      const big = (from: number) => numbered("big-", from, 150); // 1,349 bytes
      await batch(b, 0, numbered("head-", 0, 10), { limits });
      await batch(b, 1, numbered("mid-", 10, 10), { limits });
      await batch(b, 2, numbered("mid-", 20, 10), { limits });
      const last = await batch(b, 3, big(30), { limits });
      // Head = batches 0–2 (the first 200 bytes started in them); nothing older than the big one remains.
      expect(last).toMatchObject({ accepted: true, firstLine: 30, droppedLines: 0 });
      const after = await batch(b, 4, big(180), { limits });
      expect(after.droppedLines).toBe(150);
      const window = await readLogWindow(database.db, {
        attemptId: b.attemptId,
        fromLine: 0,
        lineCount: 1000,
      });
      expect(window.dropped).toEqual({ fromLine: 30, lineCount: 150, bytes: 1349 });
      expect(window.lines.length).toBe(30 + 150);
      expect(window.lines.at(-1)).toMatchObject({ n: 329, text: "big-0329" });
    });

    it("refuses limits that cannot work", async () => {
      await expect(
        batch(ids(), 0, ["x"], { limits: { maxBytes: 100, headBytes: 200, trimToBytes: 50 } }),
      ).rejects.toThrow(/headBytes < trimToBytes < maxBytes/);
    });
  });

  it("reads windows across chunk boundaries", async () => {
    const a = ids();
    for (let seq = 0; seq < 10; seq++)
      await batch(a, seq, numbered("w", seq * 7, 7), { stream: seq % 2 ? "stderr" : "stdout" });
    const read = (fromLine: number, lineCount: number) =>
      readLogWindow(database.db, { attemptId: a.attemptId, fromLine, lineCount });

    const mid = await read(12, 20);
    expect(mid.lines.map((l) => l.n)).toEqual(Array.from({ length: 20 }, (_, i) => 12 + i));
    expect(mid.lines.map((l) => l.text)).toEqual(numbered("w", 12, 20));
    expect(mid.lines[0]!.stream).toBe("stderr"); // line 12 is in batch 1
    expect(mid.lines[2]!.stream).toBe("stdout"); // line 14 starts batch 2

    expect((await read(14, 7)).lines.map((l) => l.n)).toEqual([14, 15, 16, 17, 18, 19, 20]);
    expect((await read(65, 50)).lines.map((l) => l.n)).toEqual([65, 66, 67, 68, 69]);
    expect((await read(70, 50)).lines).toEqual([]);
    expect((await read(3, 0)).lines).toEqual([]);
    expect((await read(-5, 3)).lines.map((l) => l.n)).toEqual([0, 1, 2]);
    expect(mid.totalLines).toBe(70);
    expect(mid.dropped).toBeNull();

    const unknown = await readLogWindow(database.db, {
      attemptId: randomUUID(),
      fromLine: 0,
      lineCount: 10,
    });
    expect(unknown).toEqual({ totalLines: 0, totalBytes: 0, dropped: null, lines: [] });
  });

  it("searches a task case-insensitively, treating % _ and \\ literally", async () => {
    const a = ids();
    const b = { taskId: a.taskId, attemptId: randomUUID() };
    await batch(a, 0, [
      "progress 50%_done",
      "progress 50X_done",
      "progress 50%Xdone",
      "copied C:\\temp\\x",
    ]);
    await batch(b, 0, ["noise", "PROGRESS 50%_DONE again"], {
      nodeId: "node-2",
      stepKey: "ntp",
      stream: "stderr",
    });
    await batch(ids(), 0, ["progress 50%_done in another task"]);

    const { hits, next } = await searchLog(database.db, {
      taskId: a.taskId,
      query: "50%_Done",
      limit: 10,
    });
    expect(next).toBeNull();
    expect(hits).toEqual([
      {
        attemptId: a.attemptId,
        nodeId: "node-1",
        stepKey: "hostname",
        stream: "stdout",
        line: 0,
        text: "progress 50%_done",
      },
      {
        attemptId: b.attemptId,
        nodeId: "node-2",
        stepKey: "ntp",
        stream: "stderr",
        line: 1,
        text: "PROGRESS 50%_DONE again",
      },
    ]);
    const backslash = await searchLog(database.db, {
      taskId: a.taskId,
      query: "c:\\TEMP",
      limit: 10,
    });
    expect(backslash.hits.map((h) => h.line)).toEqual([3]);
    expect(
      (await searchLog(database.db, { taskId: a.taskId, query: "%", limit: 10 })).hits,
    ).toHaveLength(3);
    expect(
      (await searchLog(database.db, { taskId: a.taskId, query: "absent", limit: 10 })).hits,
    ).toEqual([]);
  });

  it("pages search results far beyond 100 hits, splitting pages inside a chunk", async () => {
    const a = ids();
    // 12 batches of 30 lines where every third line matches: 120 hits, 10 per chunk.
    for (let seq = 0; seq < 12; seq++) {
      await batch(
        a,
        seq,
        Array.from({ length: 30 }, (_, i) =>
          i % 3 === 0 ? `ERROR at ${seq * 30 + i}` : `ok ${seq * 30 + i}`,
        ),
      );
    }
    // A second attempt where every line matches: 130 hits in 2 chunks, so page 2 ends inside a chunk.
    const b = { taskId: a.taskId, attemptId: randomUUID() };
    await batch(b, 0, numbered("error ", 0, 100));
    await batch(b, 1, numbered("error ", 100, 30));

    const seen: { attemptId: string; line: number }[] = [];
    let after: string | null = null;
    const pageSizes: number[] = [];
    do {
      const page: Awaited<ReturnType<typeof searchLog>> = await searchLog(database.db, {
        taskId: a.taskId,
        query: "error",
        limit: 100,
        after,
      });
      pageSizes.push(page.hits.length);
      seen.push(...page.hits.map((h) => ({ attemptId: h.attemptId, line: h.line })));
      after = page.next;
    } while (after);
    expect(pageSizes).toEqual([100, 100, 50]);
    expect(seen).toEqual([
      ...Array.from({ length: 120 }, (_, i) => ({ attemptId: a.attemptId, line: i * 3 })),
      ...Array.from({ length: 130 }, (_, i) => ({ attemptId: b.attemptId, line: i })),
    ]);
  });

  it("downloads a task as the concatenation of its attempts, a page of chunks at a time", async () => {
    const a = { ...ids(), nodeId: "node-a", stepKey: "dns" };
    const b = { taskId: a.taskId, attemptId: randomUUID(), nodeId: "node-b", stepKey: "ntp" };
    const aLines: string[] = [];
    for (let seq = 0; seq < 250; seq++) {
      const lines = numbered("a", seq * 2, 2);
      aLines.push(...lines);
      await batch(a, seq, lines, { nodeId: a.nodeId, stepKey: a.stepKey });
    }
    await batch(b, 0, ["b0", "b1"], { nodeId: b.nodeId, stepKey: b.stepKey, stream: "stderr" });

    const attemptParts = await collect(streamLogText(database.db, { attemptId: a.attemptId }));
    expect(attemptParts.length).toBeGreaterThan(1);
    expect(attemptParts.join("")).toBe(`${aLines.join("\n")}\n`);

    const taskText = (await collect(streamLogText(database.db, { taskId: a.taskId }))).join("");
    expect(taskText).toBe(
      [
        `===== node node-a · step dns · attempt ${a.attemptId} =====`,
        ...aLines,
        "",
        `===== node node-b · step ntp · attempt ${b.attemptId} =====`,
        "b0",
        "b1",
        "",
      ].join("\n"),
    );
    expect(await collect(streamLogText(database.db, { taskId: randomUUID() }))).toEqual([]);
  });

  it("resumes a live read from a position and filters by attempt, node and step", async () => {
    const a = ids();
    const b = { taskId: a.taskId, attemptId: randomUUID() };
    await batch(a, 0, ["a0"]);
    await batch(b, 0, ["b0"], { nodeId: "node-2" });
    await batch(a, 1, ["a1"]);

    const first = await settled(database.db, { taskId: a.taskId, limit: 2 });
    expect(first.chunks.map((c) => c.lines[0])).toEqual(["a0", "b0"]);
    const second = await settled(database.db, { taskId: a.taskId, after: first.next, limit: 2 });
    expect(second.chunks.map((c) => c.lines[0])).toEqual(["a1"]);
    const idle = await settled(database.db, { taskId: a.taskId, after: second.next, limit: 2 });
    expect(idle).toEqual({ chunks: [], next: second.next, behind: false });

    await batch(b, 1, ["b1", "b2"], { nodeId: "node-2", stream: "stderr" });
    const resumed = await settled(database.db, { taskId: a.taskId, after: idle.next, limit: 10 });
    expect(resumed.chunks).toHaveLength(1);
    expect(resumed.chunks[0]).toMatchObject({
      attemptId: b.attemptId,
      nodeId: "node-2",
      stepKey: "hostname",
      seq: 1,
      stream: "stderr",
      firstLine: 1,
      lines: ["b1", "b2"],
    });
    expect(resumed.chunks[0]!.at).toBeInstanceOf(Date);

    const onlyA = await settled(database.db, {
      taskId: a.taskId,
      attemptId: a.attemptId,
      limit: 10,
    });
    expect(onlyA.chunks.map((c) => c.lines)).toEqual([["a0"], ["a1"]]);
    const onlyNode2 = await settled(database.db, { taskId: a.taskId, nodeId: "node-2", limit: 10 });
    expect(onlyNode2.chunks.map((c) => c.seq)).toEqual([0, 1]);
    expect(
      (await settled(database.db, { taskId: a.taskId, stepKey: "other", limit: 10 })).chunks,
    ).toEqual([]);
    // An unreadable position starts from the beginning rather than failing the stream.
    expect(
      (await settled(database.db, { taskId: a.taskId, after: "garbage", limit: 10 })).chunks,
    ).toHaveLength(4);
  });

  it("stores the agent's timestamp when given", async () => {
    const a = ids();
    const at = new Date("2026-11-28T10:11:12.345Z");
    await batch(a, 0, ["stamped"], { at });
    const { chunks } = await settled(database.db, { taskId: a.taskId, limit: 1 });
    expect(chunks[0]!.at.toISOString()).toBe(at.toISOString());
  });

  it.runIf(target.name === "postgres")(
    "is not held back by a long transaction in another database",
    async () => {
      const other = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await other.connect();
      try {
        await other.query("begin");
        await other.query("select pg_current_xact_id()");
        const a = ids();
        await batch(a, 0, ["while another database is busy"]);
        const { chunks } = await settled(database.db, { taskId: a.taskId, limit: 10 });
        expect(chunks.map((c) => c.lines[0])).toEqual(["while another database is busy"]);
      } finally {
        await other.query("rollback");
        await other.end();
      }
    },
  );

  it.runIf(target.name === "postgres")(
    "holds back a chunk committed after an older transaction that is still running, so a resumed reader misses nothing",
    async () => {
      const slow = ids();
      const fast = { taskId: slow.taskId, attemptId: randomUUID() };
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let written!: () => void;
      const wrote = new Promise<void>((resolve) => (written = resolve));
      const slowTx = database.db.transaction(async (tx) => {
        await appendLogBatch(tx, {
          ...slow,
          nodeId: "n1",
          stepKey: "s",
          seq: 0,
          stream: "stdout",
          lines: ["slow"],
        });
        written();
        await held;
      });
      let during: Awaited<ReturnType<typeof readLog>>;
      try {
        await wrote;
        await batch(fast, 0, ["fast"]);
        during = await readLog(database.db, { taskId: slow.taskId, limit: 10 });
      } finally {
        release();
        await slowTx;
      }
      expect(during.chunks).toEqual([]);
      expect(during.behind).toBe(true);
      const afterCommit = await settled(database.db, {
        taskId: slow.taskId,
        after: during.next,
        limit: 10,
      });
      expect(afterCommit.chunks.map((c) => c.lines[0])).toEqual(["slow", "fast"]);
    },
  );
});

describe("drop marker", () => {
  it("reads naturally in both languages, with and without the size", () => {
    expect(dropMarker("en", { lines: 120345, bytes: 12 * 1024 * 1024 })).toBe(
      "[… 120,345 lines dropped (12.0 MiB); the first and the latest lines of this attempt are kept …]",
    );
    expect(dropMarker("zh-CN", { lines: 5 })).toBe(
      "[… 已省略 5 行；本次尝试只保留开头和最新的输出 …]",
    );
  });
});
