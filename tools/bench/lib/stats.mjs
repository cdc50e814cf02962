// Medians and paired ratios of repeated timings.

/** Returns the median of a non-empty list of numbers. */
export function median(values) {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Returns the smallest and largest value of a non-empty list. */
export function range(values) {
  return { min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Returns the median of the per-round ratios `numerator[i] / denominator[i]`. Pairing the two
 * timings of one round cancels most of the load that other processes put on a shared machine,
 * which the ratio of two medians would not.
 */
export function pairedRatio(numerator, denominator) {
  return pairedRatios(numerator, denominator).median;
}

/** Returns the per-round ratios `numerator[i] / denominator[i]` with their median and range. */
export function pairedRatios(numerator, denominator) {
  if (numerator.length !== denominator.length) throw new Error('paired lists differ in length');
  const ratios = numerator.map((value, i) => value / denominator[i]);
  return { median: median(ratios), ...range(ratios), ratios };
}

/** Milliseconds that `fn` takes, from a monotonic clock. */
export function timeMs(fn) {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/**
 * Runs `fn` and returns its wall time and the CPU time (user plus system) that the process used
 * meanwhile, both in milliseconds. The wasm backend computes on the main thread, so while other
 * jobs compete for the cores the CPU time grows less than the wall time.
 */
export function measureMs(fn) {
  const cpuStart = process.cpuUsage();
  const wallMs = timeMs(fn);
  const cpu = process.cpuUsage(cpuStart);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}
