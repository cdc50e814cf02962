/**
 * Prefix tuning for peftjs. Importing this package registers the `prefix_tuning` adapter method
 * and the `prefix_tuning` and `prefix_tuning_flat` presets, so
 * `model.addAdapter(name, PrefixTuningConfig({...}))` works on every model that declares
 * attention sites.
 *
 * @packageDocumentation
 */
import './prefix-method';
import './presets';

export { PrefixTuningConfig, replacePrefixTuningConfig, prefixTuningConfigSchema } from './config';
export type { PrefixTuningConfigType, PrefixTuningConfigInput } from './config';
export { prefixTuningMethod, createPrefixSource, PREFIX_CONTAINER, PREFIX_GATE_CONTAINER } from './prefix-method';
export { PrefixSource, type PrefixShape, type PrefixKeyValues } from './prefix-source';
export { PrefixTuning } from './prefix-tuning';
export { FlatPrefixTuning } from './flat-prefix-tuning';
export { PrefixTuningLayer, type PrefixTuningLayerOptions } from './prefix-layer';
export { selectPrefixSites, type PrefixSiteSelection } from './site-selection';
export { ejectPrefix } from './eject';
