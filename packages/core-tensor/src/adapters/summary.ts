/** One row of {@link formatAdapterSummary}'s table. */
export interface AdapterSummaryRow {
  readonly name: string;
  readonly architecture: string;
  /** Number of scalar parameters of the adapter. */
  readonly parameters: number;
  /** `parameters` as a percentage of the base model's parameters. */
  readonly percentOfBase: number;
  readonly active: boolean;
  /** Whether any parameter of the adapter is trainable. */
  readonly trainable: boolean;
  readonly merged: boolean;
}

/** The adapter rows plus the base model's own size. */
export interface AdapterSummary {
  readonly adapters: readonly AdapterSummaryRow[];
  /** Parameters of the model without any adapter. */
  readonly baseParameters: number;
  /** Trainable parameters of the base model (0 after `trainAdapter`). */
  readonly baseTrainableParameters: number;
}

/** Formats a summary as a fixed-width text table, one adapter per row and the full model last. */
export function formatAdapterSummary(summary: AdapterSummary): string {
  const header = ['Name', 'Architecture', '#Param', '%Param', 'Active', 'Train', 'Merged'];
  const rows = summary.adapters.map((row) => [
    row.name,
    row.architecture,
    row.parameters.toLocaleString('en-US'),
    row.percentOfBase.toFixed(3),
    yesNo(row.active),
    yesNo(row.trainable),
    yesNo(row.merged),
  ]);
  rows.push([
    'Full model',
    '',
    summary.baseParameters.toLocaleString('en-US'),
    '100.000',
    '',
    yesNo(summary.baseTrainableParameters > 0),
    '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [rule, line(header), rule, ...rows.map(line), rule].join('\n');
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
