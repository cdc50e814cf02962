import type * as tf from '@tensorflow/tfjs';

import type { LayerNorm, RMSNorm } from '../layers/layer-norm';
import type { Module } from '../module/module';
import type { Parameter } from '../module/parameter';
import type { AttentionSite, AttentionState, LinearSite, ModelDescription, ResidualSite, AdaptationSite } from '../sites/sites';
import type { CompositionBlock } from './composition';

/**
 * The contract between the adapter host and adapter methods. A method (LoRA, bottleneck,
 * prefix tuning, ...) is registered under its architecture name; the host calls it to validate a
 * config and build the modules of one adapter, then attaches them to the model and runs them
 * through the site handlers returned here.
 */

/** An adapter configuration: an immutable plain object whose `architecture` names its method. */
export interface AdapterConfig {
  readonly architecture: string;
}

/** A linear-site handler: computes the adapter's contribution to a linear layer's output. */
export interface LinearAdapterHandler {
  /** `add`: `output + delta`; `scale`: `output ⊙ delta`. */
  readonly compositionMode: 'add' | 'scale';
  /**
   * Returns the contribution for `input` (shape `[..., in]`): a delta broadcastable to the
   * output for `add`, a scaling broadcastable to the output for `scale`.
   */
  delta(input: tf.Tensor, baseOutput: tf.Tensor): tf.Tensor;
}

/** The hidden states and residual passed between the steps of a {@link ResidualAdapterHandler}. */
export interface ResidualState {
  readonly hidden: tf.Tensor;
  readonly residual: tf.Tensor;
}

/**
 * A residual-site handler, split in AdapterHub's three steps so several adapters can share the
 * steps that surround them: `preForward` (before the first adapter), `forward` (each adapter) and
 * `postForward` (after the last adapter).
 */
export interface ResidualAdapterHandler {
  /**
   * Prepares the adapter input from the sub-layer output `hidden`, the block input `residual` and
   * the block normalisation (null in pre-norm models).
   */
  preForward(hidden: tf.Tensor, residual: tf.Tensor, layerNorm: LayerNorm | RMSNorm | null): ResidualState;
  /** Runs the adapter on `state.hidden`, adding its own residual when its config requires it. */
  forward(state: ResidualState): tf.Tensor;
  /**
   * Produces the block output from the adapter output, the original sub-layer output, the block
   * input and the block normalisation.
   */
  postForward(adapted: tf.Tensor, hidden: tf.Tensor, residual: tf.Tensor, layerNorm: LayerNorm | RMSNorm | null): tf.Tensor;
}

/** An attention-site handler: extends keys, values and mask (prefix tuning). */
export interface AttentionAdapterHandler {
  extend(state: AttentionState): AttentionState;
}

/** A handler bound to the site it runs at. */
export type SiteBinding =
  | { readonly site: LinearSite; readonly handler: LinearAdapterHandler }
  | { readonly site: ResidualSite; readonly handler: ResidualAdapterHandler }
  | { readonly site: AttentionSite; readonly handler: AttentionAdapterHandler };

/**
 * A module of an adapter and where it lives in the model tree: at
 * `<ownerPath>.<container>.<adapterName>`, as PEFT names `q_proj.lora_A.default`. Saved files drop
 * the adapter name, giving PEFT's keys such as `…q_proj.lora_A.weight`.
 */
export interface AdapterPlacement {
  /** Path of `owner` from the model root ('' for the root). */
  readonly ownerPath: string;
  readonly owner: Module;
  /** Name of the per-method container under `owner`, e.g. `lora_A` or `adapters`. */
  readonly container: string;
  readonly module: Module;
}

/** Merging support of an adapter whose weights can be folded into the base weights. */
export interface MergeSupport {
  /**
   * Folds the adapter into the base weights. Must validate every merged weight (finite values)
   * before assigning any, so a failure leaves the base weights untouched.
   */
  merge(): void;
  /** Reverses {@link merge}. */
  unmerge(): void;
}

/** Everything a method builds for one adapter; the host attaches it to the model. */
export interface AdapterBuild {
  readonly placements: readonly AdapterPlacement[];
  readonly bindings: readonly SiteBinding[];
  /** Parameters that stay frozen under `trainAdapter` (for example PHM rules with `learn_phm: false`). */
  readonly frozenParameters?: readonly Parameter[];
  /** Present when the adapter can be merged into the base weights. */
  readonly merge?: MergeSupport;
  /** Problems worth telling the user that do not prevent adding the adapter. */
  readonly warnings?: readonly string[];
  /**
   * Composition blocks this adapter supports, when they depend on its config rather than on the
   * method alone (a union supports only the blocks every member supports). Overrides the method's
   * `supportedCompositions` for this adapter.
   */
  readonly supportedCompositions?: readonly CompositionBlock['kind'][];
  /** Releases tensors the method holds outside the placed modules (rarely needed). */
  dispose?(): void;
}

/** Context a method receives when it builds an adapter. */
export interface AdapterBuildContext<C extends AdapterConfig = AdapterConfig> {
  readonly name: string;
  readonly config: C;
  readonly sites: readonly AdaptationSite[];
  readonly model: ModelDescription;
  /** Seed for parameters; derived from the config's `init_weights_seed` when given, else a fixed default. */
  readonly seed: number;
  /**
   * The model's root module, owner of model-level placements (`ownerPath` ''), such as prefix
   * tuning's `prefix_tunings`. The adapter host always sets it.
   */
  readonly root?: Module;
}

/** A configuration file read from disk, recognised by a method. */
export interface ImportedConfig<C extends AdapterConfig = AdapterConfig> {
  readonly config: C;
  /** Maps a key of the file's tensors to this project's canonical file key, or null to drop it. */
  readonly mapKey?: (key: string) => string | null;
  /** Keys of the model that the file's config targets but that no site of the model matches. */
  readonly warnings?: readonly string[];
}

/** An adapter method, registered under its architecture name. */
export interface AdapterMethod<C extends AdapterConfig = AdapterConfig> {
  /** Architecture name, e.g. `lora`, `bottleneck`, `prefix_tuning`, `union`. */
  readonly architecture: string;
  /** Composition blocks the method supports at its sites (single adapters always work). */
  readonly supportedCompositions: readonly CompositionBlock['kind'][];
  /** Validates an unknown value (for example parsed JSON) and returns an immutable config. */
  parseConfig(input: unknown): C;
  /** Validates `context.config` against the model and builds the adapter without touching the model. */
  build(context: AdapterBuildContext<C>): AdapterBuild;
  /**
   * Returns the content of `adapter_config.json` for a saved adapter. It should contain the
   * fields other libraries read (PEFT's `peft_type`, ...) next to `peftjs_config`, which the host
   * adds.
   */
  exportConfig?(config: C, context: { sites: readonly AdaptationSite[]; model: ModelDescription }): Record<string, unknown>;
  /**
   * Recognises a foreign `adapter_config.json` (PEFT or AdapterHub) and converts it, or returns
   * null when the file is not for this method.
   */
  importConfig?(
    file: Record<string, unknown>,
    context: { sites: readonly AdaptationSite[]; model: ModelDescription },
  ): ImportedConfig<C> | null;
}
