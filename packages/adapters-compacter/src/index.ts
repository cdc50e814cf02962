/**
 * Bottleneck adapters and Compacter for peftjs. Importing this package registers the
 * `bottleneck` adapter method and the presets `seq_bn`, `double_seq_bn`, `par_bn`,
 * `scaled_par_bn`, `compacter` and `compacter++`, so `model.addAdapter(name, SeqBnConfig())`
 * works on every model that declares residual sites.
 *
 * @packageDocumentation
 */
import './bottleneck-method';
import './presets';

export { BnConfig, replaceBnConfig, bnConfigSchema } from './config';
export type { BnConfigType, BnConfigInput } from './config';
export {
  SeqBnConfig,
  DoubleSeqBnConfig,
  ParBnConfig,
  CompacterConfig,
  CompacterPlusPlusConfig,
  SEQ_BN_FIELDS,
  DOUBLE_SEQ_BN_FIELDS,
  PAR_BN_FIELDS,
  type PresetOverrides,
} from './preset-configs';
export { bottleneckMethod, ADAPTERS_CONTAINER, SHARED_PARAMETERS_CONTAINER } from './bottleneck-method';
export { BottleneckAdapter, type BottleneckOutputs } from './bottleneck-adapter';
export { ParallelBottleneckAdapter } from './parallel-adapter';
export { AdapterDown, createProjection, type Projection } from './projections';
export { PHMLayer, checkPHMDimensions, type PHMLayerOptions } from './phm-layer';
export { SharedPHMParameters, type PHMPosition } from './shared-phm';
export { assembleStack, type FactoredStack, type PHMOptions } from './phm-parameters';
export { initPHMWeight, initPHMRule, type PHMWeightInit, type PHMRuleInit } from './phm-init';
export { kroneckerProduct } from './kronecker';
export { nearestValidPhmDim } from './phm-dims';
export {
  planBottleneckSites,
  reductionFactorOf,
  suggestReductionFactor,
  MIN_BOTTLENECK_WIDTH,
  type BottleneckSitePlan,
} from './site-plan';
export { exportBottleneckConfig, importAdapterHubBottleneckConfig, isAdapterHubBottleneckConfig } from './adapterhub-format';
