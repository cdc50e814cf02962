import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '@peftjs/core-tensor';

import {
  generate,
  loadLlama2cCheckpoint,
  loadLlama2cTokenizer,
  stories260KPaths,
  type Llama2cTokenizer,
  type LlamaForCausalLM,
} from '../src/llama';

/** One case of the run.c reference file (see fixtures/README.md for how it was produced). */
interface GoldenCase {
  note: string;
  prompt: string;
  steps: number;
  prompt_ids: number[];
  generated_ids: number[];
  all_ids: number[];
  stopped_on_bos: boolean;
  text: string;
  logits?: { pos: number; input_token: number; argmax: number; values: number[] }[];
}

const GOLDEN_PATH = path.join(__dirname, '..', '..', '..', 'fixtures', 'golden', 'stories260k_llama2c_reference.json');
const golden = JSON.parse(fs.readFileSync(GOLDEN_PATH, 'utf8')) as { cases: GoldenCase[] };

function findCase(prompt: string, steps: number): GoldenCase {
  const found = golden.cases.find((c) => c.prompt === prompt && c.steps === steps);
  if (found === undefined) throw new Error(`golden case "${prompt}" with ${steps} steps not found`);
  return found;
}

/** run.c generates `steps − promptLength + 1` tokens: positions promptLength − 1 … steps − 1. */
function runcNewTokens(goldenCase: GoldenCase): number {
  return goldenCase.steps - goldenCase.prompt_ids.length + 1;
}

let model: LlamaForCausalLM;
let tokenizer: Llama2cTokenizer;

beforeAll(async () => {
  await initBackend();
  const paths = stories260KPaths();
  model = await loadLlama2cCheckpoint(paths.checkpoint);
  tokenizer = await loadLlama2cTokenizer(paths.tokenizer, model.config.vocab_size);
});

afterAll(() => {
  model.dispose();
});

describe('stories260K greedy generation against run.c', () => {
  it.each([
    ['', 256],
    ['', 200],
    ['Once upon a time', 200],
  ])('prompt %j, %i steps: same ids and text', async (prompt, steps) => {
    const goldenCase = findCase(prompt, steps);
    expect(goldenCase.stopped_on_bos).toBe(false);
    const promptIds = tokenizer.encode(prompt);
    expect(promptIds).toEqual(goldenCase.prompt_ids);

    const before = tf.memory().numTensors;
    const result = await generate(model, promptIds, { maxNewTokens: runcNewTokens(goldenCase), temperature: 0 });
    expect(tf.memory().numTensors).toBe(before);

    expect(result.tokens).toEqual(goldenCase.generated_ids);
    expect(result.finishReason).toBe('max_new_tokens');
    expect(tokenizer.decode([...promptIds, ...result.tokens])).toBe(goldenCase.text);
  });

  it('KV-cache generation equals full-forward argmax', async () => {
    const goldenCase = findCase('Once upon a time', 200);
    const promptIds = goldenCase.prompt_ids;
    const { tokens } = await generate(model, promptIds, { maxNewTokens: runcNewTokens(goldenCase), temperature: 0 });
    const sequence = [...promptIds, ...tokens];

    // One forward over the whole sequence without a cache; position t must predict token t + 1.
    const fed = sequence.slice(0, -1);
    const argmax = tf.tidy(() => model.forward(tf.tensor2d(fed, [1, fed.length], 'int32')).argMax(-1));
    const predicted = Array.from(argmax.dataSync());
    argmax.dispose();

    const firstGenerated = promptIds.length - 1;
    for (let t = firstGenerated; t < fed.length; t++) {
      if (predicted[t] !== sequence[t + 1]) {
        throw new Error(`position ${t}: full forward predicts ${predicted[t]}, cached generation chose ${sequence[t + 1]}`);
      }
    }
    expect(predicted.slice(firstGenerated)).toEqual(tokens);
  });
});

describe('stories260K logits against run.c', () => {
  // The golden logits are run.c's float32 values rounded to 6 significant digits. With |logit| < 20
  // that rounding is at most 5e-5, and float32 summation order adds about 1e-5, so 1e-4 absolute
  // is used for every value.
  const TOLERANCE = 1e-4;
  const goldenCase = findCase('Once upon a time', 200);
  const dumped = goldenCase.logits!;

  function maxAbsoluteDifference(actual: ArrayLike<number>, expected: readonly number[]): number {
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
    return worst;
  }

  it('golden dump covers positions 0 to 7', () => {
    expect(dumped.map((entry) => entry.pos)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(dumped.map((entry) => entry.input_token)).toEqual(goldenCase.all_ids.slice(0, 8));
  });

  it('full forward matches within 1e-4', () => {
    const ids = goldenCase.all_ids.slice(0, 8);
    const before = tf.memory().numTensors;
    const input = tf.tensor2d(ids, [1, 8], 'int32');
    const logits = model.forward(input);
    const values = logits.arraySync() as number[][][];
    tf.dispose([input, logits]);
    expect(tf.memory().numTensors).toBe(before);

    for (const entry of dumped) {
      expect(entry.values).toHaveLength(model.config.vocab_size);
      expect(maxAbsoluteDifference(values[0]![entry.pos]!, entry.values)).toBeLessThan(TOLERANCE);
    }
  });

  it('one-token cached steps match within 1e-4', () => {
    const cache = model.createCache();
    try {
      for (const entry of dumped) {
        const logits = tf.tidy(() =>
          model.forward(tf.tensor2d([entry.input_token], [1, 1], 'int32'), { cache }).reshape([-1]),
        );
        const values = logits.dataSync();
        logits.dispose();
        expect(cache.length).toBe(entry.pos + 1);
        expect(maxAbsoluteDifference(values, entry.values)).toBeLessThan(TOLERANCE);
        expect(Array.from(values).indexOf(Math.max(...values))).toBe(entry.argmax);
      }
    } finally {
      cache.dispose();
    }
  });
});
