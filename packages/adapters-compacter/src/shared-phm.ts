import { ConfigError } from '@peftjs/core-tensor';

import { PHMParameterOwner, type FactoredStack, type PHMOptions } from './phm-parameters';

/** Projection of a bottleneck adapter that a PHM layer implements. */
export type PHMPosition = 'down' | 'up';

/**
 * The PHM parameters one adapter shares across all its layers, placed once per adapter at the
 * model root as `shared_parameters.<adapter>` (AdapterHub's name). They are the rules when
 * `shared_phm_rule` is set, and one down and one up weight (`W_down`, `W_up` or their `_left` and
 * `_right` factors) when `shared_W_phm` is set.
 */
export class SharedPHMParameters extends PHMParameterOwner {
  readonly rule: FactoredStack | null;
  private readonly weights: Readonly<Record<PHMPosition, FactoredStack>> | null;

  /**
   * @param hiddenSize Input size of the down projection and output size of the up projection.
   * @param width Bottleneck width, the same in every layer when weights are shared.
   * @param options PHM fields of the adapter config; at least one of `shared_phm_rule` and
   *   `shared_W_phm` must be set.
   * @param seed Seed of the initialisation.
   * @param zeroUp Start the shared up weight at zero (`mam_adapter` initialisation).
   */
  constructor(
    readonly hiddenSize: number,
    readonly width: number,
    readonly options: PHMOptions,
    seed: number,
    zeroUp = false,
  ) {
    super();
    if (!options.shared_phm_rule && !options.shared_W_phm) {
      throw new ConfigError('SharedPHMParameters needs shared_phm_rule or shared_W_phm; with neither, every layer owns its PHM parameters.');
    }
    this.rule = options.shared_phm_rule ? this.registerRule(options, seed) : null;
    this.weights = options.shared_W_phm
      ? {
          down: this.registerWeight('W_down', hiddenSize, width, options, seed, false),
          up: this.registerWeight('W_up', width, hiddenSize, options, seed, zeroUp),
        }
      : null;
  }

  /**
   * Returns the shared weight of the down or up projection, or null when weights are not shared.
   *
   * @param position `down` or `up`.
   */
  weight(position: PHMPosition): FactoredStack | null {
    return this.weights === null ? null : this.weights[position];
  }
}
