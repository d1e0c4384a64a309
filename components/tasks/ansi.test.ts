import { describe, expect, it } from "vitest";
import { applySgr, colorCss, findRanges, markRanges, parseAnsi, stripAnsi, styleCss } from "./ansi";

const E = "\u001b";

describe("parseAnsi", () => {
  it("returns plain text as one unstyled span, and nothing for an empty line", () => {
    expect(parseAnsi("ok: [node-1]")).toEqual([{ text: "ok: [node-1]" }]);
    expect(parseAnsi("")).toEqual([]);
  });

  it("colours text with the 8 + 8 base colours and resets", () => {
    expect(parseAnsi(`${E}[31mfailed${E}[0m: ${E}[92mok${E}[m done`)).toEqual([
      { text: "failed", style: { fg: { index: 1 } } },
      { text: ": " },
      { text: "ok", style: { fg: { index: 10 } } },
      { text: " done" },
    ]);
  });

  it("combines attributes in one sequence and clears them one by one", () => {
    expect(parseAnsi(`${E}[1;4;33;44mA${E}[22mB${E}[24;39mC${E}[49mD`)).toEqual([
      { text: "A", style: { bold: true, underline: true, fg: { index: 3 }, bg: { index: 4 } } },
      { text: "B", style: { underline: true, fg: { index: 3 }, bg: { index: 4 } } },
      { text: "C", style: { bg: { index: 4 } } },
      { text: "D" },
    ]);
  });

  it("reads 256-colour and true-colour forms, with ; and with :", () => {
    expect(parseAnsi(`${E}[38;5;208mX`)).toEqual([{ text: "X", style: { fg: { index: 208 } } }]);
    expect(parseAnsi(`${E}[48;2;10;20;30mX`)).toEqual([
      { text: "X", style: { bg: { rgb: [10, 20, 30] } } },
    ]);
    expect(parseAnsi(`${E}[38:2::1:2:3mX`)).toEqual([
      { text: "X", style: { fg: { rgb: [1, 2, 3] } } },
    ]);
    expect(parseAnsi(`${E}[38:5:9;1mX`)).toEqual([
      { text: "X", style: { fg: { index: 9 }, bold: true } },
    ]);
    // An out-of-range colour is ignored, the attributes after it still apply.
    expect(parseAnsi(`${E}[38;5;300;1mX`)).toEqual([{ text: "X", style: { bold: true } }]);
  });

  it("drops other control sequences: cursor moves, erases, titles, hyperlinks, charsets", () => {
    expect(parseAnsi(`${E}[2K${E}[1Gprogress 50%${E}[?25l`)).toEqual([{ text: "progress 50%" }]);
    expect(parseAnsi(`${E}]0;title\u0007after`)).toEqual([{ text: "after" }]);
    expect(parseAnsi(`${E}]8;;https://x${E}\\link${E}]8;;${E}\\ text`)).toEqual([
      { text: "link text" },
    ]);
    expect(parseAnsi(`${E}(Bplain${E}7`)).toEqual([{ text: "plain" }]);
    expect(parseAnsi(`bell\u0007 back\bspace`)).toEqual([{ text: "bell backspace" }]);
    expect(parseAnsi("tab\tkept")).toEqual([{ text: "tab\tkept" }]);
  });

  it("survives a sequence cut off at the end of the line and 8-bit CSI", () => {
    expect(parseAnsi(`text${E}[3`)).toEqual([{ text: "text" }]);
    expect(parseAnsi(`text${E}`)).toEqual([{ text: "text" }]);
    expect(parseAnsi(`\u009b32mgreen`)).toEqual([{ text: "green", style: { fg: { index: 2 } } }]);
  });

  it("merges neighbours of the same style and starts every line from the default style", () => {
    expect(parseAnsi(`${E}[31ma${E}[31mb`)).toEqual([{ text: "ab", style: { fg: { index: 1 } } }]);
    expect(parseAnsi(`${E}[31m`)).toEqual([]);
    expect(parseAnsi("next line")).toEqual([{ text: "next line" }]);
  });

  it("strips to the visible text", () => {
    expect(stripAnsi(`${E}[1;31mERROR${E}[0m: disk ${E}[4m/dev/sdb${E}[24m`)).toBe(
      "ERROR: disk /dev/sdb",
    );
  });
});

describe("applySgr", () => {
  it("treats an empty list as reset and does not change the style passed in", () => {
    const bold = applySgr({}, "1");
    expect(applySgr(bold, "")).toEqual({});
    expect(bold).toEqual({ bold: true });
  });
});

describe("colours", () => {
  it("maps the palette, the 6×6×6 cube and the grey ramp like xterm", () => {
    expect(colorCss({ index: 1 })).toBe("#f87171");
    expect(colorCss({ index: 16 })).toBe("rgb(0,0,0)");
    expect(colorCss({ index: 196 })).toBe("rgb(255,0,0)");
    expect(colorCss({ index: 232 })).toBe("rgb(8,8,8)");
    expect(colorCss({ index: 255 })).toBe("rgb(238,238,238)");
    expect(colorCss({ rgb: [1, 2, 3] })).toBe("rgb(1,2,3)");
  });

  it("swaps colours for inverse, using the viewer's defaults where none is set", () => {
    expect(styleCss({ inverse: true, fg: { index: 1 } }, { fg: "#fff", bg: "#000" })).toEqual({
      color: "#000",
      backgroundColor: "#f87171",
    });
    expect(styleCss({ bold: true, underline: true, strike: true }, { fg: "", bg: "" })).toEqual({
      fontWeight: "700",
      textDecoration: "underline line-through",
    });
    expect(styleCss(undefined, { fg: "", bg: "" })).toBeUndefined();
  });
});

describe("search marks", () => {
  it("finds every case-insensitive occurrence", () => {
    expect(findRanges("Error error ERROR", "error")).toEqual([
      [0, 5],
      [6, 11],
      [12, 17],
    ]);
    expect(findRanges("abc", "")).toEqual([]);
  });

  it("splits styled spans at match boundaries and keeps their styles", () => {
    const spans = parseAnsi(`ab${E}[31mcd${E}[0mef`);
    expect(markRanges(spans, [[1, 5]])).toEqual([
      { text: "a" },
      { text: "b", mark: true },
      { text: "cd", style: { fg: { index: 1 } }, mark: true },
      { text: "e", mark: true },
      { text: "f" },
    ]);
    expect(markRanges(spans, [])).toEqual(spans);
  });
});
