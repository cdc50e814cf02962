/**
 * An adapter method written outside the peftjs packages: a learned bias per linear layer.
 * Importing this module registers it under the architecture `learned_bias`.
 */
export { LearnedBiasConfig, type LearnedBiasConfigInput, type LearnedBiasConfigType } from './config';
export { learnedBiasMethod } from './learned-bias-method';
