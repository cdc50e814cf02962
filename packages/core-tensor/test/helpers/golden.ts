import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The activation section of `fixtures/golden/adapterhub_modules_reference.json` at the repository
 * root: Hugging Face transformers activations evaluated by PyTorch in float32 (provenance and
 * licence in `fixtures/README.md`).
 */
export interface ActivationGolden {
  /** Formula of each activation as the reference implements it, keyed by config name. */
  definitions: Record<string, string>;
  /** Inputs at which every activation was evaluated. */
  inputs: number[];
  /** Outputs for `inputs`, keyed by config name. */
  outputs: Record<string, number[]>;
}

const GOLDEN_FILE = path.resolve(__dirname, '../../../../fixtures/golden/adapterhub_modules_reference.json');

/** Reads the activation samples from the AdapterHub golden file. */
export function loadActivationGolden(): ActivationGolden {
  const file = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as {
    activation_definitions: Record<string, unknown> & {
      samples_x: number[];
      samples: Record<string, { impl: string; values: number[] }>;
    };
  };
  const section = file.activation_definitions;

  const definitions: Record<string, string> = {};
  for (const [name, value] of Object.entries(section)) {
    // `lookup` describes name resolution, not an activation.
    if (typeof value === 'string' && name !== 'lookup') definitions[name] = value;
  }

  const outputs: Record<string, number[]> = {};
  for (const [name, sample] of Object.entries(section.samples)) outputs[name] = sample.values;

  return { definitions, inputs: section.samples_x, outputs };
}
