// Test helper: a terminal of a given width, enough to replay what calf writes
// to one: printable text (wrapping at the right edge, which it counts), \r,
// \n, ESC[2K (erase the line) and ESC[1A (cursor up). Any other escape
// sequence is an error, so a test notices calf starting to use one.

export interface Screen {
  /** The lines on the screen, trailing blanks trimmed, trailing empty lines dropped. */
  lines: string[];
  /** How many times text ran past the right edge and wrapped (erased text included). */
  wraps: number;
  /** The screen's lines with wrapped rows joined back: what was written as one line. */
  logical: string[];
}

/** How many times a line of `length` characters wraps on a terminal `width` wide. */
export const wrapsOf = (length: number, width: number) => Math.max(0, Math.floor((length - 1) / width));

export function replay(output: string, width: number): Screen {
  const rows: string[][] = [[]];
  const wrapped = new Set<number>();
  let row = 0;
  let col = 0;
  let wraps = 0;
  const line = () => (rows[row] ??= []);
  for (let i = 0; i < output.length; i++) {
    const c = output[i]!;
    if (c === "\x1b") {
      const m = /^\x1b\[(\d*)([A-Za-z])/.exec(output.slice(i, i + 8));
      if (!m) throw new Error(`unknown escape at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`);
      if (m[2] === "K" && m[1] === "2") {
        rows[row] = [];
        wrapped.delete(row);
      }
      else if (m[2] === "A") row = Math.max(0, row - Number(m[1] || "1"));
      else throw new Error(`unexpected escape ${JSON.stringify(m[0])}`);
      i += m[0].length - 1;
    } else if (c === "\r") col = 0;
    else if (c === "\n") {
      row++;
      col = 0;
      line();
    } else {
      if (col === width) {
        wraps++;
        row++;
        col = 0;
        wrapped.add(row);
      }
      const l = line();
      while (l.length < col) l.push(" ");
      l[col++] = c;
    }
  }
  const raw = rows.map((r) => (r ?? []).join(""));
  const logical: string[] = [];
  raw.forEach((l, i) => (wrapped.has(i) && logical.length ? (logical[logical.length - 1] += l) : logical.push(l)));
  const trim = (ls: string[]) => {
    const out = ls.map((l) => l.trimEnd());
    while (out.length && out.at(-1) === "") out.pop();
    return out;
  };
  const lines = trim(raw);
  return { lines, wraps, logical: trim(logical) };
}
