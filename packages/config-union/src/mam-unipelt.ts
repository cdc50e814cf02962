import { LoRAConfig } from '@peftjs/adapters-lora';
import { PrefixTuningConfig } from '@peftjs/adapters-prefix';
import { getAdapterPreset, type AdapterConfig } from '@peftjs/core-tensor';

import { ConfigUnion, type ConfigUnionType } from './union-config';

/** Members of {@link MAMConfig}; each defaults to the member of He et al.'s MAM adapter. */
export interface MAMMembers {
  /** Default: prefix tuning with `bottleneck_size` 800. */
  readonly prefixTuning?: AdapterConfig;
  /** Default: the `par_bn` preset (parallel bottleneck, reduction factor 2, scaling 4). */
  readonly adapter?: AdapterConfig;
}

/**
 * Creates the Mix-and-Match adapter (He et al., 2022, "Towards a Unified View of
 * Parameter-Efficient Transfer Learning"), as AdapterHub's `MAMConfig`: prefix tuning with a
 * bottleneck of 800 plus a parallel bottleneck adapter on the feed-forward block.
 *
 * @param members Replacements for either member.
 */
export function MAMConfig(members: MAMMembers = {}): ConfigUnionType {
  return ConfigUnion(
    members.prefixTuning ?? PrefixTuningConfig({ bottleneck_size: 800 }),
    members.adapter ?? getAdapterPreset('par_bn').create(),
  );
}

/** Members of {@link UniPELTConfig}; each defaults to the gated member of Mao et al.'s UniPELT. */
export interface UniPELTMembers {
  /** Default: prefix tuning with `prefix_length` 10 and gating. */
  readonly prefixTuning?: AdapterConfig;
  /** Default: the `seq_bn` preset with `reduction_factor` 16 and gating. */
  readonly adapter?: AdapterConfig;
  /** Default: LoRA with r 8, alpha 2 and gating (the gate replaces the alpha / r scaling). */
  readonly lora?: AdapterConfig;
}

/**
 * Creates UniPELT (Mao et al., 2022), as AdapterHub's `UniPELTConfig`: prefix tuning, a
 * sequential bottleneck adapter and LoRA, each behind a learned gate `mean_t sigmoid(gate(h_t))`,
 * so training can weigh the three methods per layer. Inspect the gates with `recordGateScores`.
 *
 * @param members Replacements for any member.
 */
export function UniPELTConfig(members: UniPELTMembers = {}): ConfigUnionType {
  return ConfigUnion(
    members.prefixTuning ?? PrefixTuningConfig({ prefix_length: 10, use_gating: true }),
    members.adapter ?? getAdapterPreset('seq_bn').create({ reduction_factor: 16, use_gating: true }),
    members.lora ?? LoRAConfig({ r: 8, alpha: 2, use_gating: true }),
  );
}
