import { ACTIVATIONS, parseWithSchema } from '@peftjs/core-tensor';
import { z } from 'zod';

/**
 * Prefix tuning configuration with the fields and defaults of AdapterHub's `PrefixTuningConfig`.
 */

const layerIndex = z.number().int().nonnegative();

export const prefixTuningConfigSchema = z
  .object({
    architecture: z.literal('prefix_tuning').default('prefix_tuning'),
    /**
     * Prefix the self-attention of encoders in encoder-decoder models. AdapterHub always prefixes
     * the self-attention of encoder-only (BERT) and decoder-only (Llama) models, so this flag
     * changes nothing on them. It is kept so that AdapterHub configs round-trip.
     */
    encoder_prefix: z.boolean().default(true),
    /** Prefix cross-attention (encoder-decoder models only; BERT and Llama have none). */
    cross_prefix: z.boolean().default(true),
    /** Layer indices whose attention gets no prefix. */
    leave_out: z.array(layerIndex).default([]),
    /**
     * Learn the prefixes directly (`control_trans`, one flat vector) instead of through the
     * reparametrisation MLP.
     */
    flat: z.boolean().default(false),
    /** Number of prefix positions added in front of every layer's keys and values. */
    prefix_length: z.number().int().positive().default(30),
    /** Width of the reparametrisation MLP's hidden layer (ignored when `flat`). */
    bottleneck_size: z.number().int().positive().default(512),
    /** Activation of the reparametrisation MLP, by AdapterHub name (ignored when `flat`). */
    non_linearity: z
      .string()
      .refine((name) => Object.prototype.hasOwnProperty.call(ACTIVATIONS, name.toLowerCase()), {
        message: `unknown activation; use one of ${Object.keys(ACTIVATIONS).join(', ')}`,
      })
      .default('tanh'),
    /** Dropout probability on the prefix keys and values during training. */
    dropout: z.number().min(0).lt(1).default(0),
    /**
     * Learned gate per layer (UniPELT): `mean_t sigmoid(gate(h_t))` over the attention input
     * scales the prefix keys and values.
     */
    use_gating: z.boolean().default(false),
    /** One gate value for keys and values (true) or one for each (false). */
    shared_gating: z.boolean().default(true),
    /** Seed of the initialisation; the same seed gives the same weights whatever the adapter's name. */
    init_weights_seed: z.number().int().nullable().default(null),
  })
  .strict();

/** A validated, immutable prefix tuning configuration. */
export type PrefixTuningConfigType = Readonly<z.output<typeof prefixTuningConfigSchema>>;

/** The fields a caller may pass; every field is optional and takes AdapterHub's default. */
export type PrefixTuningConfigInput = Omit<z.input<typeof prefixTuningConfigSchema>, 'architecture'> & {
  architecture?: 'prefix_tuning';
};

/**
 * Creates a prefix tuning config. Unknown fields and invalid values raise a `ConfigError` naming
 * them.
 *
 * @param input Fields to set; omitted fields take AdapterHub's defaults (`prefix_length` 30,
 *   `bottleneck_size` 512, `non_linearity` "tanh", `flat` false, ...).
 * @example
 * const config = PrefixTuningConfig({ prefix_length: 10, use_gating: true });
 */
export function PrefixTuningConfig(input: PrefixTuningConfigInput = {}): PrefixTuningConfigType {
  return parseWithSchema(prefixTuningConfigSchema, input, 'prefix tuning config');
}

/**
 * Returns a copy of `config` with `changes` applied, validated again.
 *
 * @param config The config to start from.
 * @param changes Fields to replace.
 */
export function replacePrefixTuningConfig(
  config: PrefixTuningConfigType,
  changes: Partial<PrefixTuningConfigInput>,
): PrefixTuningConfigType {
  return PrefixTuningConfig({ ...config, ...changes } as PrefixTuningConfigInput);
}
