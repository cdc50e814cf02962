import { spawnSync } from 'node:child_process';

/** A line or point series of a Vega SVG, found through the aria-label Vega gives each mark. */
export interface SvgSeries {
  /** Number of path commands (`M` and `L`) of the series' line. */
  readonly linePoints: number;
  /** Number of point symbols drawn for the series. */
  readonly symbols: number;
}

/**
 * Returns, per series name, how many points its line and its symbols have in a Vega SVG. Vega
 * labels a line mark with its first datum (`...; series: training batch`) and draws it as one
 * path with a command per point, and labels each symbol with its own datum.
 */
export function vegaSeries(svg: string): Map<string, SvgSeries> {
  const series = new Map<string, { linePoints: number; symbols: number }>();
  const pathPattern = /<path aria-label="([^"]*)"[^>]*?\sd="([^"]*)"/g;
  for (const match of svg.matchAll(pathPattern)) {
    const name = /series: ([^;]+)$/.exec(match[1])?.[1];
    if (name === undefined) continue;
    const entry = series.get(name) ?? { linePoints: 0, symbols: 0 };
    const path = match[2];
    if (path.includes('A')) entry.symbols += 1;
    else entry.linePoints += (path.match(/[ML]/g) ?? []).length;
    series.set(name, entry);
  }
  return series;
}

/** Returns whether `rsvg-convert` (Debian package librsvg2-bin) is installed. */
export function hasRsvgConvert(): boolean {
  return spawnSync('rsvg-convert', ['--version']).status === 0;
}

/** Renders an SVG file to PNG bytes with rsvg-convert, raising with its error output on failure. */
export function renderPng(svgPath: string): Buffer {
  const result = spawnSync('rsvg-convert', ['--format', 'png', svgPath]);
  if (result.status !== 0) throw new Error(`rsvg-convert failed on ${svgPath}: ${result.stderr.toString()}`);
  return result.stdout;
}
