import * as tf from '@tensorflow/tfjs';
import type { AdapterConfig } from '@peftjs/core-tensor';

import type { AdapterCase, HarnessOptions } from '../options';
import { passed, skipped, type CheckReport } from '../report';
import { addCaseAdapter, attempt, fail, maxDifference, outputValues, withModel, type CheckContext } from '../session';
import { snapshot, type ParameterSnapshot } from '../tensors';
import { fileParameters, perturbAdapter, resolveCase } from './common';

/** A union config: `architecture` names the union method and `configs` lists the members. */
interface UnionConfig extends AdapterConfig {
  readonly configs: readonly AdapterConfig[];
}

/** Returns true when `config` is a union (`configs` is an array). */
export function isUnionConfig(config: AdapterConfig): config is UnionConfig {
  return Array.isArray((config as Partial<UnionConfig>).configs);
}

/** Returns the union without member `index`; a union left with one member becomes that member. */
function withoutMember(config: UnionConfig, index: number): AdapterConfig {
  const remaining = config.configs.filter((_, i) => i !== index);
  return remaining.length === 1 ? remaining[0] : ({ ...config, configs: remaining } as UnionConfig);
}

/**
 * Adds `config` as adapter `name`, gives its parameters their values in `reference` (by file key)
 * or else seeded noise, and returns the output and the parameter values. Copying the values makes
 * the remaining members of a reduced union identical to their counterparts in the full union,
 * even if a member's initialisation depends on its position.
 */
function adaptedOutput(
  context: CheckContext,
  name: string,
  config: AdapterConfig,
  isCaseConfig: boolean,
  reference: ParameterSnapshot | null,
): { output: Float32Array; values: ParameterSnapshot } {
  if (isCaseConfig) addCaseAdapter(context, name, config, { setActive: true });
  else attempt(context, `addAdapter("${name}")`, () => context.model.addAdapter(name, config, { setActive: true }));
  perturbAdapter(context, name);
  if (reference !== null) {
    for (const [key, parameter] of fileParameters(context.model, name)) {
      const values = reference.get(key);
      if (values !== undefined && values.length === parameter.size) {
        tf.tidy(() => parameter.assign(tf.tensor(values, parameter.shape)));
      }
    }
  }
  const values = snapshot(fileParameters(context.model, name));
  const output = outputValues(context, `forward pass with adapter "${name}"`);
  attempt(context, `deleteAdapter("${name}")`, () => context.model.deleteAdapter(name));
  return { output, values };
}

function describeMember(config: AdapterConfig): string {
  return JSON.stringify(config).slice(0, 120);
}

/**
 * Checks that every member of a union changes the output: the union with seeded noise on every
 * parameter is compared with the same union lacking one member, whose remaining members get the
 * same parameter values. A union that drops or ignores a member fails.
 * Cases whose config has no `configs` array are skipped.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkUnionMembers(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  if (!isUnionConfig(resolved.testCase.config)) {
    return skipped('union-members', resolved.testCase.name, 'not a union (no configs array)');
  }
  return withModel(resolved.target, 'union-members', resolved.testCase, (context) => {
    const config = context.config as UnionConfig;
    if (config.configs.length < 2) {
      throw fail(context, `the union has ${config.configs.length} member(s); a union needs at least two.`);
    }
    const full = adaptedOutput(context, 'union_full', config, true, null);
    const changes: string[] = [];
    config.configs.forEach((member, index) => {
      const reduced = adaptedOutput(context, `union_without_${index}`, withoutMember(config, index), false, full.values);
      const change = maxDifference(full.output, reduced.output);
      if (!(change > context.target.tolerances.minEffect)) {
        throw fail(
          context,
          `member ${index} (${member.architecture}) of the union does not change the output: removing it changes the output by only ` +
            `${change} (needed > ${context.target.tolerances.minEffect}). The union ignores this member; member config: ${describeMember(member)}.`,
        );
      }
      changes.push(`member ${index} (${member.architecture}): ${change}`);
    });
    return passed('union-members', context.testCase.name, `removing a member changes the output by ${changes.join(', ')}`);
  });
}
