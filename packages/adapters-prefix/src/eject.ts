import * as tf from '@tensorflow/tfjs';
import { ConfigError, type AdaptableModel, type AdapterConfig } from '@peftjs/core-tensor';

import type { PrefixTuningConfigType } from './config';
import { PREFIX_CONTAINER } from './prefix-method';
import type { PrefixSource } from './prefix-source';

/** Returns the config of the ejected adapter, or null when it has no reparametrised prefix. */
function flatConfigOf(name: string, config: AdapterConfig): AdapterConfig | null {
  const flatten = (member: AdapterConfig) => ({ ...(member as PrefixTuningConfigType), flat: true });
  if (config.architecture === 'prefix_tuning') return (config as PrefixTuningConfigType).flat ? null : flatten(config);

  // A union (MAM, UniPELT) is read by its plain structure, because config-union builds on this
  // package and cannot be imported here.
  const members = (config as { configs?: readonly AdapterConfig[] }).configs;
  if (config.architecture === 'union' && Array.isArray(members) && members.some((m) => m.architecture === 'prefix_tuning')) {
    const reparametrised = members.some((m) => m.architecture === 'prefix_tuning' && !(m as PrefixTuningConfigType).flat);
    if (!reparametrised) return null;
    return { ...config, configs: members.map((m) => (m.architecture === 'prefix_tuning' ? flatten(m) : m)) } as AdapterConfig;
  }
  throw new ConfigError(
    `Adapter "${name}" is a ${config.architecture} adapter without prefix tuning; ejectPrefix converts prefix tuning adapters ` +
      'and unions with a prefix tuning member (MAM, UniPELT) only.',
  );
}

/**
 * Turns the reparametrised prefixes of adapter `name` into their flat form: the prefixes the MLP
 * produces become the learned `control_trans` vector, and `wte` and the MLP are dropped (as
 * AdapterHub's `eject_prefix_tuning`). Outputs stay identical up to float32 rounding and the
 * config's prefix tuning part becomes `flat: true`. Every other parameter (gates, the other
 * members of a union), the active setup and the trainable flags are kept. The adapter is added
 * again under the same name, so it moves to the end of `model.adapterNames`. An adapter whose
 * prefixes are already flat is left as it is.
 *
 * @param model The model holding the adapter.
 * @param name Name of a prefix tuning adapter, or of a union with a prefix tuning member, on `model`.
 */
export function ejectPrefix(model: AdaptableModel, name: string): void {
  const config = model.adapterConfig(name);
  const flatConfig = flatConfigOf(name, config);
  if (flatConfig === null) return;

  const record = model.adapterHost.record(name);
  const source = record.build.placements.find((p) => p.container === PREFIX_CONTAINER)!.module as PrefixSource;
  const sourcePrefix = `${PREFIX_CONTAINER}.${name}.`;
  const parameters = model.adapterParameters(name);
  const trainable = [...parameters.values()].some((p) => p.trainable);
  const kept = new Map<string, tf.Tensor>();
  for (const [path, parameter] of parameters) {
    if (!path.startsWith(sourcePrefix)) kept.set(path, tf.clone(parameter.value));
  }
  const flat = source.flatten();

  const setup = model.activeAdapters;
  try {
    model.setActiveAdapters(null);
    model.deleteAdapter(name);
    model.addAdapter(name, flatConfig);
    const replaced = model.adapterParameters(name);
    replaced.get(`${sourcePrefix}control_trans`)!.assign(flat);
    for (const [path, value] of kept) replaced.get(path)!.assign(value);
    for (const parameter of replaced.values()) parameter.trainable = trainable;
  } finally {
    tf.dispose([flat, ...kept.values()]);
    if (setup !== null) model.setActiveAdapters(setup);
  }
}
