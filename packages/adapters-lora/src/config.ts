import { parseWithSchema } from '@peftjs/core-tensor';
import { z } from 'zod';

/**
 * LoRA configuration with AdapterHub's `LoRAConfig` fields and defaults, plus PEFT's
 * `use_rslora`, `rank_pattern`, `alpha_pattern` and `target_modules`.
 */

const layerIndex = z.number().int().nonnegative();

const initWeights = z.enum(['lora', 'bert', 'gaussian', 'ia3']);

export const loraConfigSchema = z
  .object({
    architecture: z.literal('lora').default('lora'),
    /** Adapt the self-attention matrices listed in `attn_matrices`. */
    selfattn_lora: z.boolean().default(true),
    /** Adapt the feed-forward input projections (BERT `intermediate.dense`, Llama `gate_proj` and `up_proj`). */
    intermediate_lora: z.boolean().default(false),
    /** Adapt the feed-forward output projection (BERT `output.dense`, Llama `down_proj`). */
    output_lora: z.boolean().default(false),
    /** Layer indices that get no LoRA. */
    leave_out: z.array(layerIndex).default([]),
    /** Rank of the update `B A`. */
    r: z.number().int().positive().default(8),
    /** Scaling numerator: the update is multiplied by `alpha / r` (or `alpha / √r` with rsLoRA). */
    alpha: z.number().positive().default(8),
    /** Dropout probability on the LoRA input. */
    dropout: z.number().min(0).lt(1).default(0),
    /** Self-attention matrices to adapt: any of `q`, `k`, `v`, and `o` (the output projection; an extension of AdapterHub's set). */
    attn_matrices: z.array(z.enum(['q', 'k', 'v', 'o'])).min(1).default(['q', 'v']),
    /** `add`: `y + s · x Aᵀ Bᵀ` (LoRA); `scale`: `y ⊙ (s · lora_B)` ((IA)³, needs `r = 1`). */
    composition_mode: z.enum(['add', 'scale']).default('add'),
    /**
     * `lora`: A kaiming-uniform (a = √5), B zero, so a new adapter changes nothing;
     * `bert`: A and B from normal(0, 0.02); `gaussian`: A from normal(0, 1/r), B zero (PEFT);
     * `ia3`: ones.
     */
    init_weights: initWeights.default('lora'),
    /** Seed of the initialisation; the same seed gives the same weights whatever the adapter's name. */
    init_weights_seed: z.number().int().nullable().default(null),
    /** Scale by `alpha / √r` instead of `alpha / r` (rank-stabilised LoRA). */
    use_rslora: z.boolean().default(false),
    /**
     * Learned gate per adapted layer (UniPELT): `sigmoid(gate(x))` averaged over the sequence
     * replaces the `alpha / r` scaling.
     */
    use_gating: z.boolean().default(false),
    /**
     * PEFT-style module selection. When set, it replaces the location flags: a list of module names
     * matches every module whose path equals a name or ends with `.name`; a string is a regular
     * expression that must match the whole module path.
     */
    target_modules: z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]).nullable().default(null),
    /** Rank per module: keys are regular expressions matched against the end of module paths (PEFT). */
    rank_pattern: z.record(z.string(), z.number().int().positive()).default({}),
    /** Alpha per module, matched like `rank_pattern`. */
    alpha_pattern: z.record(z.string(), z.number().positive()).default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.composition_mode === 'scale' && config.r !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['r'],
        message: `composition_mode "scale" ((IA)³) learns one vector per layer and needs r = 1, got r = ${config.r}`,
      });
    }
    if (config.composition_mode === 'scale' && (config.init_weights === 'lora' || config.init_weights === 'gaussian')) {
      ctx.addIssue({
        code: 'custom',
        path: ['init_weights'],
        message: `init_weights "${config.init_weights}" sets lora_B to zero, which in composition_mode "scale" zeroes the layer output; use "ia3"`,
      });
    }
    if (config.target_modules === null && !config.selfattn_lora && !config.intermediate_lora && !config.output_lora) {
      ctx.addIssue({
        code: 'custom',
        path: ['selfattn_lora'],
        message: 'selfattn_lora, intermediate_lora and output_lora are all false, so no layer would be adapted; enable at least one',
      });
    }
    if (typeof config.target_modules === 'string') checkRegex(config.target_modules, ['target_modules'], ctx);
    for (const key of Object.keys(config.rank_pattern)) checkRegex(key, ['rank_pattern', key], ctx);
    for (const key of Object.keys(config.alpha_pattern)) checkRegex(key, ['alpha_pattern', key], ctx);
  });

function checkRegex(source: string, path: (string | number)[], ctx: z.RefinementCtx): void {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', path, message: `invalid regular expression ${JSON.stringify(source)}: ${(error as Error).message}` });
  }
}

/** A validated, immutable LoRA configuration. */
export type LoRAConfigType = Readonly<z.output<typeof loraConfigSchema>>;

/** The fields a caller may pass; every field is optional and takes AdapterHub's default. */
export type LoRAConfigInput = Omit<z.input<typeof loraConfigSchema>, 'architecture'> & { architecture?: 'lora' };

/**
 * Creates a LoRA config. Unknown fields and invalid values raise a `ConfigError` naming them.
 *
 * @example
 * const config = LoRAConfig({ r: 16, alpha: 32, attn_matrices: ['q', 'k', 'v'] });
 */
export function LoRAConfig(input: LoRAConfigInput = {}): LoRAConfigType {
  return parseWithSchema(loraConfigSchema, input, 'LoRA config');
}

/**
 * Creates an (IA)³ config: LoRA in `scale` mode with r = 1 and ones init, on the key, value and
 * feed-forward output layers, as AdapterHub's `IA3Config` (`alpha` 1, `attn_matrices` k and v,
 * `intermediate_lora` and `selfattn_lora` on).
 */
export function IA3Config(input: Omit<LoRAConfigInput, 'composition_mode' | 'r'> = {}): LoRAConfigType {
  return LoRAConfig({
    selfattn_lora: true,
    intermediate_lora: true,
    output_lora: false,
    attn_matrices: ['k', 'v'],
    alpha: 1,
    init_weights: 'ia3',
    ...input,
    composition_mode: 'scale',
    r: 1,
  });
}

/** Returns a copy of `config` with `changes` applied, validated again. */
export function replaceLoRAConfig(config: LoRAConfigType, changes: Partial<LoRAConfigInput>): LoRAConfigType {
  return LoRAConfig({ ...config, ...changes } as LoRAConfigInput);
}
