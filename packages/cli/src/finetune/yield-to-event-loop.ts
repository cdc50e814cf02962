/**
 * Waits for one turn of the event loop. A training loop that only awaits settled promises runs
 * entirely in microtasks, so signal handlers such as the one for Ctrl-C never get to run.
 * Awaiting this after each step lets them run between steps.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
