export { generate, type GenerateOptions, type GenerationResult, type FinishReason } from './generate';
export { meanNegativeLogLikelihood, type LikelihoodOptions } from './likelihood';
export { seededRandom, type RandomSource } from './random';
export { argmax, sampleToken, type SamplingOptions } from './sampling';
