// What the suite measured: figures (samples of one quantity, shown as a
// median) grouped into tables, and targets judged from them. Pure data and
// arithmetic; no I/O. Rendering lives in report.ts.
import { median } from "./measure.ts";

export type Unit = "ms" | "MB/s" | "MB" | "count" | "/s";

export interface Figure {
  /** Table the figure belongs to, e.g. "workloads, N = 1,000". */
  table: string;
  row: string;
  /** Column; tables whose figures share one column render as a list. */
  col: string;
  unit: Unit;
  samples: number[];
  /** How many samples were planned (fewer when the time budget cut a series short). */
  planned: number;
  note?: string;
  /** Set instead of samples when the measurement could not be made. */
  failed?: string;
  /** Set when the figure was deliberately not measured (tool missing, too slow). */
  skipped?: string;
}

export interface Target {
  name: string;
  measured: string;
  goal: string;
  /** null: nothing to judge (reported only, or not measured). */
  pass: boolean | null;
}

export class Results {
  readonly figures: Figure[] = [];
  readonly targets: Target[] = [];
  readonly notes: string[] = [];
  readonly failures: string[] = [];

  add(f: Omit<Figure, "planned"> & { planned?: number }): Figure {
    const fig: Figure = { planned: f.samples.length, ...f };
    this.figures.push(fig);
    return fig;
  }

  target(t: Target): void {
    this.targets.push(t);
  }

  /** Median of a figure, or null when it failed, was skipped or has no samples. */
  static value(f: Figure | undefined): number | null {
    if (!f || f.failed || f.skipped || !f.samples.length) return null;
    return median(f.samples);
  }

  /**
   * Adds a ratio target `a / b <= limit` (or `>=` with atLeast), judged on the
   * medians of two figures from this run of the suite.
   */
  ratioTarget(
    name: string, a: Figure | undefined, b: Figure | undefined, limit: number,
    { atLeast = false, judged = true }: { atLeast?: boolean; judged?: boolean } = {},
  ): void {
    const va = Results.value(a);
    const vb = Results.value(b);
    const goal = `${atLeast ? "≥" : "≤"} ${limit}×${judged ? "" : " (judged at N = 10k; reported here)"}`;
    if (va === null || vb === null || vb === 0) {
      const why = [a, b].map((f) => f?.failed ?? f?.skipped).find(Boolean) ?? "not measured";
      this.target({ name, measured: `n/a (${why})`, goal, pass: null });
      return;
    }
    const r = va / vb;
    this.target({ name, measured: `${r.toFixed(r < 0.1 ? 3 : 2)}×`, goal, pass: !judged ? null : atLeast ? r >= limit : r <= limit });
  }
}
