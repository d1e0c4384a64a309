/**
 * ANSI escape sequences in step output → styled spans. Only SGR (`ESC [ … m`: colours, bold,
 * italic, underline, inverse…) is kept; every other control sequence (cursor moves, line erases,
 * OSC titles and hyperlinks, charset switches) is removed so it cannot garble the view. Each log
 * line is parsed on its own from the default style: a windowed viewer renders lines out of order,
 * and the tools that colour their output (ansible, cephadm, kolla) reset at the end of a line.
 * Pure, no DOM: the viewer turns spans into elements.
 */

export type AnsiColor = { index: number } | { rgb: [number, number, number] };

export interface AnsiStyle {
  fg?: AnsiColor;
  bg?: AnsiColor;
  bold?: true;
  dim?: true;
  italic?: true;
  underline?: true;
  inverse?: true;
  strike?: true;
  hidden?: true;
}

export interface AnsiSpan {
  text: string;
  /** Absent = the default style. */
  style?: AnsiStyle;
}

const ESC = "\u001b";
const CSI_8BIT = "\u009b";

/** Parses one line of output. Adjacent text of the same style comes back as one span. */
export function parseAnsi(line: string): AnsiSpan[] {
  // Fast path: most lines carry no escape or control character at all.
  if (!hasControl(line)) return line ? [{ text: line }] : [];
  const spans: AnsiSpan[] = [];
  let style: AnsiStyle = {};
  let text = "";
  const flush = () => {
    if (!text) return;
    const last = spans.at(-1);
    const key = styleKey(style);
    if (last && styleKey(last.style ?? {}) === key) last.text += text;
    else spans.push(key ? { text, style: { ...style } } : { text });
    text = "";
  };
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === ESC || ch === CSI_8BIT) {
      let j = ch === ESC ? i + 1 : i;
      const kind = ch === CSI_8BIT ? "[" : line[j];
      if (kind === "[") {
        // CSI: parameter bytes 0x30–0x3F, intermediates 0x20–0x2F, one final byte 0x40–0x7E.
        j++;
        const start = j;
        while (j < line.length && line.charCodeAt(j) >= 0x30 && line.charCodeAt(j) <= 0x3f) j++;
        const params = line.slice(start, j);
        while (j < line.length && line.charCodeAt(j) >= 0x20 && line.charCodeAt(j) <= 0x2f) j++;
        const final = line[j];
        if (final === undefined) break; // cut off mid-sequence: drop the rest
        if (final === "m" && /^[\d;:]*$/.test(params)) {
          flush();
          style = applySgr(style, params);
        }
        i = j + 1;
      } else if (kind === "]" || kind === "P" || kind === "_" || kind === "^" || kind === "X") {
        // OSC / DCS / APC / PM / SOS: a string ended by BEL or ST (ESC \). Its text is not shown.
        j++;
        while (
          j < line.length &&
          line[j] !== "\u0007" &&
          !(line[j] === ESC && line[j + 1] === "\\")
        )
          j++;
        i = line[j] === ESC ? j + 2 : j + 1;
      } else if (kind !== undefined && "()*+-./#%".includes(kind)) {
        i = j + 2; // charset designation and the like: ESC, intermediate, one final
      } else {
        i = j + 1; // a two-byte escape (ESC 7, ESC =, …) or a lone ESC at the end
      }
      continue;
    }
    const code = line.charCodeAt(i);
    if (ch === "\t" || (code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code <= 0x9f)))
      text += ch;
    i++;
  }
  flush();
  return spans;
}

function hasControl(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** The text of a line as it reads on screen, without escape sequences. */
export function stripAnsi(line: string): string {
  return parseAnsi(line)
    .map((s) => s.text)
    .join("");
}

function styleKey(s: AnsiStyle): string {
  let key = "";
  if (s.fg) key += `f${colorKey(s.fg)}`;
  if (s.bg) key += `b${colorKey(s.bg)}`;
  if (s.bold) key += "B";
  if (s.dim) key += "D";
  if (s.italic) key += "I";
  if (s.underline) key += "U";
  if (s.inverse) key += "V";
  if (s.strike) key += "S";
  if (s.hidden) key += "H";
  return key;
}

function colorKey(c: AnsiColor): string {
  return "index" in c ? String(c.index) : c.rgb.join(",");
}

/** Applies one SGR parameter list (`1;31`, `38;5;208`, `38:2::255:0:0`, `` = reset). */
export function applySgr(current: AnsiStyle, params: string): AnsiStyle {
  const s: AnsiStyle = { ...current };
  // Groups split by ";"; a group may carry ":"-separated sub-parameters (ITU T.416 form).
  const groups = (params === "" ? "0" : params).split(";");
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    const sub = group.split(":").map((x) => (x === "" ? NaN : Number(x)));
    const n = Number.isNaN(sub[0]!) ? 0 : sub[0]!;
    if (n === 38 || n === 48 || n === 58) {
      let color: AnsiColor | undefined;
      if (sub.length > 1) {
        // 38:5:n or 38:2:[colorspace]:r:g:b
        if (sub[1] === 5) color = indexColor(sub[2]);
        else if (sub[1] === 2) {
          const rgb = sub.length >= 6 ? sub.slice(3, 6) : sub.slice(2, 5);
          color = rgbColor(rgb);
        }
      } else if (groups[g + 1] === "5") {
        color = indexColor(Number(groups[g + 2]));
        g += 2;
      } else if (groups[g + 1] === "2") {
        color = rgbColor(groups.slice(g + 2, g + 5).map(Number));
        g += 4;
      }
      if (color && n === 38) s.fg = color;
      else if (color && n === 48) s.bg = color;
      continue; // 58 (underline colour) is read past and not drawn
    }
    if (n === 0) {
      for (const k of Object.keys(s)) delete s[k as keyof AnsiStyle];
    } else if (n === 1) s.bold = true;
    else if (n === 2) s.dim = true;
    else if (n === 3) s.italic = true;
    else if (n === 4) s.underline = true;
    else if (n === 7) s.inverse = true;
    else if (n === 8) s.hidden = true;
    else if (n === 9) s.strike = true;
    else if (n === 21 || n === 22) {
      delete s.bold;
      delete s.dim;
    } else if (n === 23) delete s.italic;
    else if (n === 24) delete s.underline;
    else if (n === 27) delete s.inverse;
    else if (n === 28) delete s.hidden;
    else if (n === 29) delete s.strike;
    else if (n >= 30 && n <= 37) s.fg = { index: n - 30 };
    else if (n === 39) delete s.fg;
    else if (n >= 40 && n <= 47) s.bg = { index: n - 40 };
    else if (n === 49) delete s.bg;
    else if (n >= 90 && n <= 97) s.fg = { index: n - 90 + 8 };
    else if (n >= 100 && n <= 107) s.bg = { index: n - 100 + 8 };
  }
  return s;
}

function indexColor(n: number | undefined): AnsiColor | undefined {
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 255 ? { index: n } : undefined;
}

function rgbColor(parts: (number | undefined)[]): AnsiColor | undefined {
  if (parts.length !== 3) return undefined;
  const [r, g, b] = parts;
  const ok = (x: number | undefined): x is number =>
    x !== undefined && Number.isInteger(x) && x >= 0 && x <= 255;
  return ok(r) && ok(g) && ok(b) ? { rgb: [r, g, b] } : undefined;
}

/**
 * The 16 base colours, tuned for a dark log background (contrast ≥ 4.5:1 for the foreground
 * ones on #09090b, black excepted); 16–255 follow xterm's cube and grey ramp.
 */
export const ANSI_PALETTE: readonly string[] = [
  "#3f3f46", // black (visible on the dark background)
  "#f87171", // red
  "#4ade80", // green
  "#facc15", // yellow
  "#60a5fa", // blue
  "#e879f9", // magenta
  "#22d3ee", // cyan
  "#d4d4d8", // white
  "#71717a", // bright black
  "#fca5a5", // bright red
  "#86efac", // bright green
  "#fde047", // bright yellow
  "#93c5fd", // bright blue
  "#f0abfc", // bright magenta
  "#67e8f9", // bright cyan
  "#fafafa", // bright white
];

export function colorCss(c: AnsiColor): string {
  if ("rgb" in c) return `rgb(${c.rgb[0]},${c.rgb[1]},${c.rgb[2]})`;
  const n = c.index;
  if (n < 16) return ANSI_PALETTE[n]!;
  if (n < 232) {
    const v = n - 16;
    const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
    return `rgb(${level(Math.floor(v / 36))},${level(Math.floor(v / 6) % 6)},${level(v % 6)})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey},${grey},${grey})`;
}

/** Inline CSS for a span's style; inverse swaps the colours (defaults given by the viewer). */
export function styleCss(
  style: AnsiStyle | undefined,
  defaults: { fg: string; bg: string },
): Record<string, string> | undefined {
  if (!style) return undefined;
  const css: Record<string, string> = {};
  let fg = style.fg ? colorCss(style.fg) : undefined;
  let bg = style.bg ? colorCss(style.bg) : undefined;
  if (style.inverse) [fg, bg] = [bg ?? defaults.bg, fg ?? defaults.fg];
  if (fg) css.color = fg;
  if (bg) css.backgroundColor = bg;
  if (style.bold) css.fontWeight = "700";
  if (style.dim) css.opacity = "0.7";
  if (style.italic) css.fontStyle = "italic";
  const lines = [style.underline ? "underline" : "", style.strike ? "line-through" : ""]
    .filter(Boolean)
    .join(" ");
  if (lines) css.textDecoration = lines;
  if (style.hidden) css.visibility = "hidden";
  return css;
}

/**
 * Splits spans at the given [start, end) ranges of the plain text (search matches), marking the
 * pieces inside a range. Ranges must be sorted and not overlap.
 */
export function markRanges(
  spans: readonly AnsiSpan[],
  ranges: readonly (readonly [number, number])[],
): (AnsiSpan & { mark?: true })[] {
  if (ranges.length === 0) return spans.slice();
  const out: (AnsiSpan & { mark?: true })[] = [];
  let pos = 0;
  let r = 0;
  for (const span of spans) {
    let offset = 0;
    const end = pos + span.text.length;
    while (offset < span.text.length) {
      const at = pos + offset;
      while (r < ranges.length && ranges[r]![1] <= at) r++;
      const range = ranges[r];
      let cut: number;
      let inside = false;
      if (range && range[0] <= at) {
        inside = true;
        cut = Math.min(range[1], end);
      } else {
        cut = range ? Math.min(range[0], end) : end;
      }
      const piece: AnsiSpan & { mark?: true } = { text: span.text.slice(offset, cut - pos) };
      if (span.style) piece.style = span.style;
      if (inside) piece.mark = true;
      out.push(piece);
      offset = cut - pos;
    }
    pos = end;
  }
  return out;
}

/** Where `query` occurs in `text`, case-insensitively (the server's search rule), as ranges. */
export function findRanges(text: string, query: string): [number, number][] {
  if (!query) return [];
  const hay = text.toLowerCase();
  const needle = query.toLowerCase();
  const ranges: [number, number][] = [];
  let from = 0;
  for (;;) {
    const at = hay.indexOf(needle, from);
    if (at === -1) break;
    ranges.push([at, at + needle.length]);
    from = at + needle.length;
  }
  return ranges;
}
