import { describe, expect, it } from "vitest";
import {
  attemptHeader,
  formatBytes,
  formatCount,
  joinChunk,
  matchingLines,
  normalizeLines,
  splitChunk,
  splitLogText,
} from "./logs";

describe("splitLogText", () => {
  it.each([
    ["", []],
    ["one", ["one"]],
    ["one\n", ["one"]],
    ["one\n\n", ["one", ""]],
    ["a\r\nb\rc\nd", ["a", "b", "c", "d"]],
    ["nul\u0000here", ["nul\uFFFDhere"]],
  ])("%j → %j", (text, lines) => {
    expect(splitLogText(text)).toEqual(lines);
  });
});

describe("normalizeLines", () => {
  it("splits lines that carry their own line breaks so a chunk reads back as many lines as it counted", () => {
    const lines = normalizeLines(["a", "b\nc", "d\r\n", "", "e\u0000"]);
    expect(lines).toEqual(["a", "b", "c", "d", "", "", "e\uFFFD"]);
    expect(splitChunk(joinChunk(lines))).toEqual(lines);
  });

  it("leaves clean lines as they are", () => {
    expect(normalizeLines(["  indented", "tab\there", "ünïcode 中文"])).toEqual([
      "  indented",
      "tab\there",
      "ünïcode 中文",
    ]);
  });
});

describe("matchingLines", () => {
  it("matches case-insensitively and literally", () => {
    const lines = ["Error: disk full", "ok", "50%_done", "50X_done", "ERROR again"];
    expect(matchingLines(lines, "error")).toEqual([0, 4]);
    expect(matchingLines(lines, "%_")).toEqual([2]);
    expect(matchingLines(lines, "missing")).toEqual([]);
  });
});

describe("formatting", () => {
  it.each([
    [0, "0"],
    [999, "999"],
    [1000, "1,000"],
    [120345, "120,345"],
    [1234567, "1,234,567"],
  ])("count %d → %s", (n, text) => {
    expect(formatCount(n)).toBe(text);
  });

  it.each([
    [792, "792 B"],
    [1024, "1.0 KiB"],
    [8 * 1024 * 1024, "8.0 MiB"],
    [3.5 * 1024 ** 3, "3.5 GiB"],
  ])("bytes %d → %s", (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it("names node, step and attempt in the download header, with a dash for what is unknown", () => {
    expect(attemptHeader("en", { attemptId: "a1", nodeId: "node-7", stepKey: "ntp" })).toBe(
      "===== node node-7 · step ntp · attempt a1 =====",
    );
    expect(attemptHeader("zh-CN", { attemptId: "a1", nodeId: null, stepKey: "ntp" })).toBe(
      "===== 节点 - · 步骤 ntp · 尝试 a1 =====",
    );
  });
});
