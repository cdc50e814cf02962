// Plain-text tables and the JSON file the benchmarks write.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Prints `rows` as a Markdown table whose columns line up in a terminal.
 *
 * @param {string} title Heading printed above the table.
 * @param {string[]} header Column names.
 * @param {(string | number)[][]} rows Cell values; numbers are printed as given.
 */
export function printTable(title, header, rows) {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  const line = (row) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of cells.slice(1)) console.log(line(row));
}

/** Formats a number with a fixed count of decimals. */
export function fixed(value, decimals) {
  return Number.isFinite(value) ? value.toFixed(decimals) : String(value);
}

/** Formats a byte count in MiB. */
export function mebibytes(bytes) {
  return (bytes / 2 ** 20).toFixed(0);
}

/** Writes `data` as indented JSON to `file`, creating its folder. */
export function writeJson(file, data) {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  console.log(`\nWrote ${file}`);
}
