import type { HarnessTarget } from './options';

/**
 * What the checks of one target have seen so far: the cases whose adapter really was added with
 * the case's own config, the output of a clean model, and each case's output fingerprint.
 */
export class CaseLedger {
  /** Cases whose adapter was added and found on the model with the case's config. */
  readonly ranCases = new Set<string>();
  /** Output of the first clean model, to notice factories that are not deterministic. */
  baseOutput: Float32Array | null = null;
  /** Output of each case's perturbed adapter, compared by the `distinct-cases` check. */
  readonly caseOutputs = new Map<string, Float32Array>();
}

const ledgers = new WeakMap<HarnessTarget, CaseLedger>();

/** Returns the ledger of a target, creating it on first use. */
export function ledgerOf(target: HarnessTarget): CaseLedger {
  let ledger = ledgers.get(target);
  if (ledger === undefined) {
    ledger = new CaseLedger();
    ledgers.set(target, ledger);
  }
  return ledger;
}
