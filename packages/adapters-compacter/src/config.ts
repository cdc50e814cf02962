import { ACTIVATIONS, parseWithSchema } from '@peftjs/core-tensor';
import { z } from 'zod';

/**
 * Bottleneck adapter configuration with the fields and defaults of AdapterHub's `BnConfig`
 * (`adapters` 88f18ebd, `configuration/adapter_config.py`), including the PHM fields that turn the
 * projections into Compacter layers. As in AdapterHub, `mh_adapter`, `output_adapter`,
 * `reduction_factor` and `non_linearity` have no default; the presets (`SeqBnConfig`,
 * `CompacterConfig`, ...) set them.
 */

const layerIndex = z.number().int().nonnegative();

/** A map key of `reduction_factor`: a layer index written as a string, or `default`. */
const REDUCTION_KEY = /^(default|0|[1-9][0-9]*)$/;

const reductionFactor = z.union([
  z.number().positive(),
  z.record(z.string(), z.number().positive()).superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (!REDUCTION_KEY.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `invalid key ${JSON.stringify(key)}: use layer indices such as "0" and "11", or "default"`,
        });
      }
    }
  }),
]);

const activationName = z.string().refine((name) => Object.prototype.hasOwnProperty.call(ACTIVATIONS, name.toLowerCase()), {
  message: `unknown activation; use one of ${Object.keys(ACTIVATIONS).join(', ')}`,
});

export const bnConfigSchema = z
  .object({
    architecture: z.literal('bottleneck').default('bottleneck'),
    /** Add an adapter at the residual connection after multi-head attention. */
    mh_adapter: z.boolean(),
    /** Add an adapter at the residual connection after the feed-forward block. */
    output_adapter: z.boolean(),
    /**
     * Hidden size divided by the bottleneck width: the width is `floor(hidden / reduction_factor)`.
     * A map gives a factor per layer index (as a string) and may give a `"default"`.
     */
    reduction_factor: reductionFactor,
    /** Activation between the projections, by its Hugging Face or AdapterHub name (`relu`, `gelu`, `swish`, ...). */
    non_linearity: activationName,
    /** Apply the block's residual add (and LayerNorm, in post-LN models) before the adapter. */
    original_ln_before: z.boolean().default(false),
    /** Apply the block's residual add (and LayerNorm, in post-LN models) after the adapter. */
    original_ln_after: z.boolean().default(true),
    /** Add a LayerNorm on the adapter input. */
    ln_before: z.boolean().default(false),
    /** Add a LayerNorm on the adapter output. */
    ln_after: z.boolean().default(false),
    /**
     * Initialisation. `bert` draws linear weights from normal(0, 0.02) with zero biases.
     * `mam_adapter` uses kaiming-uniform for the down projection and zeros for the up projection,
     * so a new adapter changes nothing. `houlsby` draws weights from normal(0, 0.01) truncated to
     * ±0.02 with zero biases. PHM projections take their own initialisers (see
     * `hypercomplex_nonlinearity`), and `mam_adapter` also zeroes the up projection's PHM weight.
     */
    init_weights: z.enum(['bert', 'mam_adapter', 'houlsby']).default('bert'),
    /** Seed of the initialisation; the same seed gives the same weights whatever the adapter's name. */
    init_weights_seed: z.number().int().nullable().default(null),
    /** Run the adapter in parallel to the sub-layer, on the block input (He et al., 2021). */
    is_parallel: z.boolean().default(false),
    /** Multiplier of the up projection: a number, `learned` (one scalar) or `channel` (one per hidden unit). */
    scaling: z.union([z.number().finite(), z.enum(['learned', 'channel'])]).default(1),
    /** Multiply the adapter output by a learned gate, `sigmoid(gate(x))` averaged over the sequence (UniPELT). */
    use_gating: z.boolean().default(false),
    /**
     * Tensor that the adapter's own residual connection adds back: `true` the sub-layer output,
     * `false` the adapter input, `post_add` the sum of sub-layer output and block input before the
     * block LayerNorm (needs `original_ln_before`).
     */
    residual_before_ln: z.union([z.boolean(), z.literal('post_add')]).default(true),
    /** Add the adapter's residual before its `ln_after` LayerNorm instead of after it. */
    adapter_residual_before_ln: z.boolean().default(false),
    /** Layer indices that get no adapter. */
    leave_out: z.array(layerIndex).default([]),
    /** Dropout probability on the adapter output. */
    dropout: z.number().min(0).lt(1).default(0),
    /** Replace both projections with PHM layers (Compacter). */
    phm_layer: z.boolean().default(false),
    /** Number `n` of Kronecker summands; it must divide the hidden size and the bottleneck width. */
    phm_dim: z.number().int().positive().default(4),
    /** Factor each `W_i` as `W_left @ W_right` of rank `phm_rank` (Compacter; off gives PHM-Adapter). */
    factorized_phm_W: z.boolean().default(true),
    /** Share the `W_i` of all layers of the adapter (one down and one up set). */
    shared_W_phm: z.boolean().default(false),
    /** Share the rules of all layers of the adapter (one tensor per adapter). */
    shared_phm_rule: z.boolean().default(true),
    /** Factor each rule as `rule_left @ rule_right` of rank 1. */
    factorized_phm_rule: z.boolean().default(false),
    /** Distribution of the rules: normal(0, phm_init_range²) or uniform(−phm_init_range, phm_init_range). */
    phm_c_init: z.enum(['normal', 'uniform']).default('normal'),
    /** Spread of the rules, and of the `W_i` with `hypercomplex_nonlinearity` `normal` or `uniform`. */
    phm_init_range: z.number().positive().finite().default(0.0001),
    /** Train the rules; false keeps them frozen, also under `trainAdapter`. */
    learn_phm: z.boolean().default(true),
    /**
     * Initialiser of the `W_i` (each slice on its own fans): `glorot-uniform`, `glorot-normal`,
     * `normal` (std `phm_init_range`) or `uniform` (±`phm_init_range`).
     */
    hypercomplex_nonlinearity: z.enum(['glorot-uniform', 'glorot-normal', 'normal', 'uniform']).default('glorot-uniform'),
    /** Rank of the factorized `W_i`. */
    phm_rank: z.number().int().positive().default(1),
    /** Give the PHM layers a bias. */
    phm_bias: z.boolean().default(true),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (!config.mh_adapter && !config.output_adapter) {
      ctx.addIssue({
        code: 'custom',
        path: ['output_adapter'],
        message: 'mh_adapter and output_adapter are both false, so no adapter would be added; enable at least one',
      });
    }
    if (config.residual_before_ln === 'post_add' && !config.original_ln_before && !config.is_parallel) {
      ctx.addIssue({
        code: 'custom',
        path: ['residual_before_ln'],
        message: '"post_add" takes the residual after the block\'s own residual add, which runs only with original_ln_before true; set original_ln_before or use true/false',
      });
    }
    const factor = config.reduction_factor;
    if (config.phm_layer && config.shared_W_phm && typeof factor === 'object' && new Set(Object.values(factor)).size > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['reduction_factor'],
        message: 'shared_W_phm shares one weight of one bottleneck width across layers, so every layer needs the same reduction factor; use a single number',
      });
    }
  });

/** A validated, immutable bottleneck adapter configuration. */
export type BnConfigType = Readonly<z.output<typeof bnConfigSchema>>;

/** The fields a caller may pass: the four fields without a default are required. */
export type BnConfigInput = Omit<z.input<typeof bnConfigSchema>, 'architecture'> & { architecture?: 'bottleneck' };

/**
 * Creates a bottleneck adapter config. Unknown fields and invalid values raise a `ConfigError`
 * naming them.
 *
 * @param input Config fields; `mh_adapter`, `output_adapter`, `reduction_factor` and
 *   `non_linearity` are required, every other field takes AdapterHub's default.
 * @example
 * const config = BnConfig({ mh_adapter: false, output_adapter: true, reduction_factor: 16, non_linearity: 'relu' });
 */
export function BnConfig(input: BnConfigInput): BnConfigType {
  return parseWithSchema(bnConfigSchema, input, 'bottleneck adapter config');
}

/**
 * Returns a copy of `config` with `changes` applied, validated again.
 *
 * @param config A validated config.
 * @param changes Fields to replace.
 */
export function replaceBnConfig(config: BnConfigType, changes: Partial<BnConfigInput>): BnConfigType {
  return BnConfig({ ...config, ...changes } as BnConfigInput);
}
