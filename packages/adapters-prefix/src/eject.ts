import * as tf from '@tensorflow/tfjs';
import { ConfigError, type AdaptableModel } from '@peftjs/core-tensor';

import { replacePrefixTuningConfig, type PrefixTuningConfigType } from './config';
import { PREFIX_CONTAINER } from './prefix-method';
import type { PrefixSource } from './prefix-source';

/**
 * Turns the reparametrised prefix tuning adapter `name` into its flat form: the prefixes the MLP
 * produces now become the learned `control_trans` vector, and `wte` and the MLP are dropped (as
 * AdapterHub's `eject_prefix_tuning`). Outputs stay identical, the config becomes `flat: true`,
 * and gates, the active setup and the trainable flags are kept. The adapter moves to the end of
 * `model.adapterNames`. An adapter that is already flat is left as it is.
 *
 * @param model The model holding the adapter.
 * @param name Name of a prefix tuning adapter on `model`.
 */
export function ejectPrefix(model: AdaptableModel, name: string): void {
  const config = model.adapterConfig(name) as PrefixTuningConfigType;
  if (config.architecture !== 'prefix_tuning') {
    throw new ConfigError(
      `Adapter "${name}" is a ${config.architecture} adapter; ejectPrefix converts prefix tuning adapters only.`,
    );
  }
  if (config.flat) return;

  const parameters = model.adapterParameters(name);
  const record = model.adapterHost.record(name);
  const source = record.build.placements.find((p) => p.container === PREFIX_CONTAINER)!.module as PrefixSource;
  const trainable = [...parameters.values()].some((p) => p.trainable);
  const gates = new Map<string, tf.Tensor>();
  for (const [path, parameter] of parameters) {
    if (!path.startsWith(`${PREFIX_CONTAINER}.`)) gates.set(path, tf.clone(parameter.value));
  }
  const flat = source.flatten();

  const setup = model.activeAdapters;
  try {
    model.setActiveAdapters(null);
    model.deleteAdapter(name);
    model.addAdapter(name, replacePrefixTuningConfig(config, { flat: true }));
    const replaced = model.adapterParameters(name);
    replaced.get(`${PREFIX_CONTAINER}.${name}.control_trans`)!.assign(flat);
    for (const [path, value] of gates) replaced.get(path)!.assign(value);
    for (const parameter of replaced.values()) parameter.trainable = trainable;
  } finally {
    tf.dispose([flat, ...gates.values()]);
    if (setup !== null) model.setActiveAdapters(setup);
  }
}
