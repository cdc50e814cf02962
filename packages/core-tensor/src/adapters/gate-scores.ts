import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import type { AdaptationSite } from '../sites/sites';
import { AdaptableModel } from './adaptable-model';

/**
 * Recording of learned gate values (UniPELT-style gating) during forward passes, for inspection.
 * Gated handlers call {@link reportGateScore} with the gate they just applied; the values are kept
 * only while {@link recordGateScores} runs for a model that owns the reporting site.
 */

/** The values of one gate in one forward call. */
export interface GateScore {
  /** Name of the adapter the gate belongs to. */
  readonly adapter: string;
  /** Architecture of the gated method: `lora`, `prefix_tuning` or `bottleneck`. */
  readonly method: string;
  /** Index of the transformer block of the site. */
  readonly layerIndex: number;
  /** Path of the site at which the gate acts, e.g. `model.layers.0.self_attn.q_proj`. */
  readonly sitePath: string;
  /**
   * Gate values `[batch][outputs]` in [0, 1]: one output for most gates, two (keys, values) for
   * prefix tuning with `shared_gating: false`.
   */
  readonly values: number[][];
}

/** Result of {@link recordGateScores}: the callback's return value and the gates it ran, in call order. */
export interface GateScoreRecording<T> {
  readonly output: T;
  readonly scores: GateScore[];
}

/** The facts a handler gives about the gate it reports. */
export interface GateScoreSource {
  readonly adapter: string;
  readonly method: string;
}

interface Recorder {
  readonly sites: ReadonlySet<AdaptationSite>;
  readonly scores: GateScore[];
}

const recorders: Recorder[] = [];

/** Returns whether any {@link recordGateScores} call is running, so handlers can skip the work of reporting. */
export function isRecordingGateScores(): boolean {
  return recorders.length > 0;
}

/**
 * Hands the gate values a handler just applied to every running recording of a model that owns
 * `site`; does nothing when none runs.
 *
 * @param site The site at which the gate acts.
 * @param source Adapter name and method architecture of the gate.
 * @param score Gate values with the batch on the first axis (`[batch, ...]`); not disposed.
 */
export function reportGateScore(site: AdaptationSite, source: GateScoreSource, score: tf.Tensor): void {
  const interested = recorders.filter((recorder) => recorder.sites.has(site));
  if (interested.length === 0) return;
  if (score.rank < 1) {
    throw new InvalidArgumentError(
      `Gate score of adapter "${source.adapter}" at ${site.path} is a scalar; report it with the batch on the first axis.`,
    );
  }
  const values = tf.tidy(() => score.reshape([score.shape[0], -1]).arraySync() as number[][]);
  for (const recorder of interested) {
    recorder.scores.push({ ...source, layerIndex: site.layerIndex, sitePath: site.path, values });
  }
}

/**
 * Runs `fn` and returns, next to its result, the value of every gate of `model`'s adapters that
 * ran during it and reports itself through {@link reportGateScore}. Prefix tuning reports its
 * gates, and `@peftjs/config-union` reports the LoRA and bottleneck gates of union members. An
 * async `fn` records until its promise settles.
 *
 * @param model The model whose gates to record.
 * @param fn The forward pass(es) to observe, e.g. `() => model.forward(ids)`.
 * @example
 * const { output, scores } = recordGateScores(model, () => model.forward(ids));
 * const layer0 = groupGateScores(scores).get(0)?.get('lora');
 */
export function recordGateScores<T>(
  model: AdaptableModel,
  fn: () => T,
): T extends Promise<infer R> ? Promise<GateScoreRecording<R>> : GateScoreRecording<T> {
  if (!(model instanceof AdaptableModel)) {
    throw new InvalidArgumentError('recordGateScores: `model` must be an adaptable model (an AdaptableModel such as LlamaForCausalLM or BertModel).');
  }
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(`recordGateScores: \`fn\` must be a function, got ${typeof fn}.`);
  }
  // The host's site objects, because handlers report the sites they were built for and some
  // models create new site objects on every adaptationSites() call.
  const recorder: Recorder = { sites: new Set(model.adapterHost.sites), scores: [] };
  recorders.push(recorder);
  const stop = () => {
    const index = recorders.indexOf(recorder);
    if (index >= 0) recorders.splice(index, 1);
  };

  let output: T;
  try {
    output = fn();
  } catch (error) {
    stop();
    throw error;
  }
  type Result = T extends Promise<infer R> ? Promise<GateScoreRecording<R>> : GateScoreRecording<T>;
  if (output instanceof Promise) {
    return output.then((value) => ({ output: value, scores: recorder.scores })).finally(stop) as Result;
  }
  stop();
  return { output, scores: recorder.scores } as Result;
}

/**
 * Groups gate scores by layer index and then by method architecture, keeping call order inside
 * each group.
 *
 * @param scores Scores returned by {@link recordGateScores}.
 */
export function groupGateScores(scores: readonly GateScore[]): Map<number, Map<string, GateScore[]>> {
  const layers = new Map<number, Map<string, GateScore[]>>();
  for (const score of scores) {
    let methods = layers.get(score.layerIndex);
    if (methods === undefined) {
      methods = new Map();
      layers.set(score.layerIndex, methods);
    }
    const list = methods.get(score.method) ?? [];
    list.push(score);
    methods.set(score.method, list);
  }
  return layers;
}
