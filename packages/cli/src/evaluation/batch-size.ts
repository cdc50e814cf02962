/**
 * Examples per forward call when scoring data. `finetune` and `eval` share it, so both add up
 * the same batches in the same order and report the same held-out numbers.
 */
export const EVALUATION_BATCH_SIZE = 32;
