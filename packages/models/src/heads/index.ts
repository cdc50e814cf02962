export { causalLanguageModelingLoss, nextTokenNegativeLogLikelihood } from './causal-lm-loss';
