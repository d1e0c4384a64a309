import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventsResponse, LogsResponse } from "../domain/agent/protocol";
import { dropNote, Outbox, type OutboxRequest } from "./outbox";

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";

/** The answer a gateway gives when it stores everything (accepted/stored per its own dedupe). */
function ackAll(req: OutboxRequest): EventsResponse | LogsResponse {
  return req.kind === "events"
    ? {
        results: req.body.events.map((e) => ({
          attemptId: e.attemptId,
          accepted: true,
          status: null,
        })),
      }
    : {
        results: req.body.batches.map((b) => ({
          attemptId: b.attemptId,
          seq: b.seq,
          stored: true,
        })),
      };
}

/** Sends until empty against a perfect server; returns what was sent, in order. */
function drain(outbox: Outbox): OutboxRequest[] {
  const sent: OutboxRequest[] = [];
  for (let req = outbox.next(); req; req = outbox.next()) {
    sent.push(req);
    outbox.acknowledge(req, ackAll(req));
  }
  return sent;
}

const line = (i: number, width = 100) => `line ${i} `.padEnd(width, "x");
const lines = (from: number, count: number, width?: number) =>
  Array.from({ length: count }, (_, i) => line(from + i, width));

describe("Outbox", () => {
  it("sends an attempt's started, then its logs, then its final event, each run in one request", () => {
    const outbox = new Outbox({ clock: () => 1000 });
    outbox.addEvent(A, 1, { type: "started" });
    outbox.addLogs(A, "stdout", ["one", "two"]);
    outbox.addLogs(A, "stderr", ["oops"]);
    outbox.addEvent(A, 1, { type: "exited", exitCode: 3 });

    const sent = drain(outbox);
    expect(sent.map((r) => r.kind)).toEqual(["events", "logs", "events"]);
    expect(sent[0]!.body).toEqual({
      events: [{ attemptId: A, epoch: 1, at: 1000, event: { type: "started" } }],
    });
    expect(sent[1]!.kind === "logs" && sent[1]!.body.batches).toEqual([
      { attemptId: A, seq: 0, stream: "stdout", lines: ["one", "two"], at: 1000 },
      { attemptId: A, seq: 1, stream: "stderr", lines: ["oops"], at: 1000 },
    ]);
    expect(sent[2]!.kind === "events" && sent[2]!.body.events[0]!.event).toEqual({
      type: "exited",
      exitCode: 3,
    });
    expect(outbox.isEmpty()).toBe(true);
  });

  it("resends what was not acknowledged, first; stored:false and accepted:false acknowledge too", () => {
    const outbox = new Outbox();
    outbox.addLogs(A, "stdout", ["a"]);
    outbox.addLogs(A, "stdout", ["b"]);
    outbox.addLogs(A, "stdout", ["c"]);

    const first = outbox.next()!;
    expect(first.kind === "logs" && first.body.batches.map((b) => b.seq)).toEqual([0, 1, 2]);
    // The answer covers seq 0 (a resend the server already had) and 2; seq 1 got lost.
    outbox.acknowledge(first, {
      results: [
        { attemptId: A, seq: 0, stored: false },
        { attemptId: A, seq: 2, stored: true },
      ],
    });
    const again = outbox.next()!;
    expect(again.kind === "logs" && again.body.batches.map((b) => b.seq)).toEqual([1]);
    outbox.acknowledge(again, ackAll(again));

    outbox.addEvent(A, 1, { type: "exited", exitCode: 0 });
    const event = outbox.next()!;
    outbox.acknowledge(event, {
      results: [{ attemptId: A, accepted: false, status: "succeeded", reason: "duplicate" }],
    });
    expect(outbox.isEmpty()).toBe(true);
  });

  it("numbers batches per attempt from 0 across streams and splits long output into several batches", () => {
    const outbox = new Outbox({ maxBatchBytes: 4096 });
    outbox.addLogs(A, "stdout", ["a1"]);
    outbox.addLogs(B, "stdout", ["b1"]);
    outbox.addLogs(A, "stderr", ["a2"]);
    // 100 lines of ~100 bytes do not fit one 4 KiB batch.
    outbox.addLogs(B, "stdout", lines(0, 100));
    const batches = drain(outbox).flatMap((r) => (r.kind === "logs" ? r.body.batches : []));
    const seqsOf = (id: string) => batches.filter((b) => b.attemptId === id).map((b) => b.seq);
    expect(seqsOf(A)).toEqual([0, 1]);
    expect(seqsOf(B).length).toBeGreaterThan(2);
    expect(seqsOf(B)).toEqual(seqsOf(B).map((_, i) => i));
    expect(batches.filter((b) => b.attemptId === B).flatMap((b) => b.lines)).toEqual([
      "b1",
      ...lines(0, 100),
    ]);
    for (const b of batches)
      expect(Buffer.byteLength(JSON.stringify(b.lines))).toBeLessThanOrEqual(4096);
  });

  it("keeps a request within the gateway's limits: 64 batches, the byte budget", () => {
    const outbox = new Outbox({ maxRequestBytes: 64 * 1024, maxBatchBytes: 8 * 1024 });
    for (let i = 0; i < 100; i++) outbox.addLogs(A, "stdout", [`short ${i}`]);
    const first = outbox.next()!;
    expect(first.kind === "logs" && first.body.batches).toHaveLength(64);
    outbox.acknowledge(first, ackAll(first));
    outbox.addLogs(A, "stdout", lines(0, 200, 1000));
    const sent = drain(outbox);
    for (const r of sent)
      expect(Buffer.byteLength(JSON.stringify(r.body))).toBeLessThanOrEqual(64 * 1024 + 64);
  });

  it("when full, drops the oldest middle batches, keeps the head and the newest, and says how many lines went", () => {
    const outbox = new Outbox({ maxLogBytes: 20_000, headBytes: 2_000 });
    outbox.addEvent(A, 1, { type: "started" });
    // 100 batches of 10 lines of ~100 bytes: ~110 KB into a 20 KB outbox.
    for (let i = 0; i < 100; i++) outbox.addLogs(A, "stdout", lines(i * 10, 10));
    outbox.addEvent(A, 1, { type: "exited", exitCode: 0 });

    expect(outbox.stats().logBytes).toBeLessThanOrEqual(20_000);
    const sent = drain(outbox);
    expect(sent.map((r) => r.kind)).toEqual(["events", "logs", "events"]);
    const batches = sent[1]!.kind === "logs" ? sent[1]!.body.batches : [];
    const seqs = batches.map((b) => b.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);

    const notes = batches.filter((b) => b.stream === "system");
    expect(notes).toHaveLength(1);
    const note = notes[0]!;
    const dropped = Number(
      /^\[cairn-agent\] ([\d,]+) lines dropped while the server was unreachable$/.exec(
        note.lines[0]!,
      )?.[1],
    );
    const delivered = batches.filter((b) => b.stream === "stdout").flatMap((b) => b.lines);
    // The head (first batches) and the newest output are there; the gap is exactly what the note says.
    expect(delivered.slice(0, 10)).toEqual(lines(0, 10));
    expect(delivered.slice(-10)).toEqual(lines(990, 10));
    expect(delivered.length + dropped).toBe(1000);
    const before = batches.filter((b) => b.seq < note.seq).flatMap((b) => b.lines);
    const after = batches.filter((b) => b.seq > note.seq).flatMap((b) => b.lines);
    expect([...before, ...after]).toEqual([
      ...lines(0, before.length),
      ...lines(before.length + dropped, after.length),
    ]);
    expect(outbox.stats().droppedLines).toBe(dropped);
  });

  it("never drops batches already sent once (the server may have them) nor any event", () => {
    const outbox = new Outbox({ maxLogBytes: 30_000, headBytes: 0 });
    for (let i = 0; i < 20; i++) outbox.addLogs(A, "stdout", lines(i * 10, 10));
    const inFlight = outbox.next()!; // sent, no answer yet (the server went away)
    const sentSeqs = inFlight.kind === "logs" ? inFlight.body.batches.map((b) => b.seq) : [];
    outbox.addEvent(B, 1, { type: "started" });
    for (let i = 20; i < 100; i++) outbox.addLogs(A, "stdout", lines(i * 10, 10));
    outbox.addEvent(B, 1, { type: "exited", exitCode: 0 });

    const resent = outbox.next()!;
    expect(resent.kind === "logs" && resent.body.batches.map((b) => b.seq)).toEqual(sentSeqs);
    outbox.acknowledge(resent, ackAll(resent));
    const rest = drain(outbox);
    const events = rest.flatMap((r) =>
      r.kind === "events" ? r.body.events.map((e) => e.event.type) : [],
    );
    expect(events).toEqual(["started", "exited"]);
    expect(
      rest.some((r) => r.kind === "logs" && r.body.batches.some((b) => b.stream === "system")),
    ).toBe(true);
  });

  it("a refused request of several items is resent one item at a time, so only the bad one is dropped", () => {
    const outbox = new Outbox();
    outbox.addLogs(A, "stdout", ["good 1"]);
    outbox.addLogs(A, "stdout", ["bad"]);
    outbox.addLogs(A, "stdout", ["good 2"]);
    const all = outbox.next()!;
    expect(outbox.reject(all)).toBeNull();

    const kept: string[] = [];
    for (let req = outbox.next(); req; req = outbox.next()) {
      expect(req.items).toHaveLength(1);
      const lines = req.kind === "logs" ? req.body.batches[0]!.lines : [];
      if (lines[0] === "bad") expect(outbox.reject(req)).not.toBeNull();
      else {
        kept.push(...lines);
        outbox.acknowledge(req, ackAll(req));
      }
    }
    expect(kept).toEqual(["good 1", "good 2"]);
  });

  it("refuses logs after the attempt's final event (their seq could collide once it is forgotten)", () => {
    const outbox = new Outbox();
    outbox.addLogs(A, "stdout", ["x"]);
    outbox.addEvent(A, 1, { type: "timed-out" });
    expect(() => outbox.addLogs(A, "stdout", ["late"])).toThrow(/after its final event/);
  });

  it("delivers every batch exactly once and the final event after all logs, whatever answers get lost", () => {
    type Op = { kind: "logs"; n: number } | { kind: "send"; lose: boolean; partial: boolean };
    const op = fc.oneof(
      fc.record({ kind: fc.constant("logs" as const), n: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant("send" as const), lose: fc.boolean(), partial: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops: Op[]) => {
        const outbox = new Outbox({ maxBatchBytes: 2048 });
        const stored = new Map<number, string[]>();
        let storedCount = 0;
        let finalSeenWith = -1;
        let produced = 0;
        const deliver = (lose: boolean, partial: boolean) => {
          const req = outbox.next();
          if (!req) return;
          // The server applies what arrives; a lost answer means the agent learns nothing.
          if (req.kind === "logs") {
            const results = req.body.batches.map((b) => {
              const fresh = !stored.has(b.seq);
              if (fresh) {
                stored.set(b.seq, b.lines);
                storedCount++;
              }
              return { attemptId: b.attemptId, seq: b.seq, stored: fresh };
            });
            if (!lose)
              outbox.acknowledge(req, { results: partial ? results.slice(0, 1) : results });
          } else {
            if (req.body.events.some((e) => e.event.type === "exited") && finalSeenWith < 0)
              finalSeenWith = stored.size;
            if (!lose) outbox.acknowledge(req, ackAll(req));
          }
        };
        outbox.addEvent(A, 1, { type: "started" });
        for (const o of ops) {
          if (o.kind === "logs") {
            outbox.addLogs(A, "stdout", lines(produced, o.n, 200));
            produced += o.n;
          } else deliver(o.lose, o.partial);
        }
        outbox.addEvent(A, 1, { type: "exited", exitCode: 0 });
        while (!outbox.isEmpty()) deliver(false, false);

        const all = [...stored.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, l]) => l);
        expect(all).toEqual(lines(0, produced, 200));
        expect(storedCount).toBe(stored.size);
        expect(finalSeenWith).toBe(stored.size);
      }),
      { numRuns: 200 },
    );
  });

  it("the drop note is one English line that counts with separators", () => {
    expect(dropNote(12345)).toBe(
      "[cairn-agent] 12,345 lines dropped while the server was unreachable",
    );
  });
});
