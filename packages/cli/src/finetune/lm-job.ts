import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, runTraining, type AdapterConfig, type ScheduleKind } from '@peftjs/core-tensor';
import { causalLanguageModelingLoss, meanNegativeLogLikelihood, type LlamaForCausalLM } from '@peftjs/models';

import { readLanguageModelSequences, shippedSentimentFiles } from '../data/lm-data';
import { SequenceBatcher } from '../data/packed-batches';
import { trainHeldOutSplit } from '../data/split';
import { EVALUATION_BATCH_SIZE } from '../evaluation/batch-size';
import { loadLanguageModel } from '../model-loading';
import { StagedDirectory } from '../output-dir';
import { TrainingProgress } from '../progress';
import { writeRunFiles } from './run-files';
import { yieldToEventLoop } from './yield-to-event-loop';

/** Settings of a language-model fine-tuning run. */
export interface LanguageModelFinetuneOptions {
  readonly model?: string;
  readonly tokenizer?: string;
  /** Data files; default: the shipped review sentences. */
  readonly data?: readonly string[];
  readonly adapterConfig: AdapterConfig;
  /** Name the adapter is saved under (default `default`, as PEFT). */
  readonly adapterName?: string;
  readonly steps: number;
  readonly batchSize: number;
  /** Maximum training sequence length, in tokens. */
  readonly sequenceLength: number;
  readonly learningRate: number;
  readonly schedule: ScheduleKind;
  readonly warmupSteps: number;
  readonly maxGradNorm?: number;
  readonly heldOutFraction: number;
  readonly seed: number;
  /** Steps between held-out evaluations (0: only before and after training). */
  readonly evalInterval: number;
  readonly output: string;
  /** Checked before every step; true stops training and saves what was trained so far. */
  readonly shouldStop?: () => boolean;
  /** Receiver of human-readable progress lines. */
  readonly log?: (line: string) => void;
}

/** Held-out quality at one point of training. */
export interface HeldOutEvaluation {
  readonly step: number;
  /** Mean negative log-likelihood in nats per token. */
  readonly loss: number;
  readonly perplexity: number;
}

/** Everything `metrics.json` records. */
export interface LanguageModelFinetuneMetrics {
  readonly task: 'lm';
  readonly model: string;
  readonly adapterConfig: AdapterConfig;
  readonly trainExamples: number;
  readonly heldOutExamples: number;
  readonly stepsPlanned: number;
  readonly stepsCompleted: number;
  readonly stoppedEarly: boolean;
  readonly trainLoss: { step: number; loss: number }[];
  readonly heldOut: { before: HeldOutEvaluation; after: HeldOutEvaluation; history: HeldOutEvaluation[] };
  readonly perplexityReduction: number;
  readonly trainSeconds: number;
  readonly totalSeconds: number;
  readonly tokensPerSecond: number;
  readonly trainableParameters: number;
  readonly baseParameters: number;
}

async function evaluate(model: LlamaForCausalLM, sequences: number[][], maxLength: number, step: number): Promise<HeldOutEvaluation> {
  const loss = await meanNegativeLogLikelihood(model, sequences, { batchSize: EVALUATION_BATCH_SIZE, maxLength });
  return { step, loss, perplexity: Math.exp(loss) };
}

/**
 * Fine-tunes a causal language model with an adapter on text files and writes the adapter,
 * `metrics.json` and `loss.svg` into the output directory, which appears only when complete.
 * Held-out perplexity is measured before and after training on a seeded split.
 */
export async function finetuneLanguageModel(options: LanguageModelFinetuneOptions): Promise<LanguageModelFinetuneMetrics> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = performance.now();
  const output = await StagedDirectory.create(options.output);
  try {
    const { model, tokenizer, description } = await loadLanguageModel(options);
    try {
      const sequences = await readLanguageModelSequences(options.data ?? shippedSentimentFiles(), tokenizer);
      const { train, heldOut } = trainHeldOutSplit(sequences, options.heldOutFraction, options.seed);
      const maxLength = Math.min(options.sequenceLength, model.config.max_position_embeddings);
      log(`model: ${description}; ${train.length} training and ${heldOut.length} held-out examples`);

      model.eval();
      const before = await evaluate(model, heldOut, maxLength, 0);
      log(`held-out perplexity before: ${before.perplexity.toFixed(3)} (loss ${before.loss.toFixed(4)} nats/token)`);

      const name = options.adapterName ?? 'default';
      model.addAdapter(name, options.adapterConfig);
      model.trainAdapter(name);
      const summary = model.adapterSummary();
      const trainableParameters = summary.adapters[0].parameters;
      log(`adapter ${name} (${options.adapterConfig.architecture}): ${trainableParameters.toLocaleString('en-US')} trainable parameters, ` +
        `${summary.adapters[0].percentOfBase.toFixed(2)}% of ${summary.baseParameters.toLocaleString('en-US')}`);

      const batcher = new SequenceBatcher(train, options.batchSize, maxLength, options.seed);
      const progress = new TrainingProgress(options.steps);
      const history: HeldOutEvaluation[] = [before];
      const trainLoss: { step: number; loss: number }[] = [];
      let tokens = 0;
      let trainMilliseconds = 0;
      const batchTokens = new Map<number, number>();

      const result = await runTraining({
        parameters: model.parameters(),
        steps: options.steps,
        schedule: { learningRate: options.learningRate, warmupSteps: options.warmupSteps, kind: options.schedule },
        maxGradNorm: options.maxGradNorm,
        shouldStop: options.shouldStop,
        nextBatch: (step) => {
          const batch = batcher.next();
          batchTokens.set(step, batch.tokens);
          return batch;
        },
        loss: (batch) =>
          causalLanguageModelingLoss(model.forward(batch.inputIds, { attentionMask: batch.attentionMask }), batch.inputIds, batch.attentionMask),
        releaseBatch: (batch) => tf.dispose([batch.inputIds, batch.attentionMask]),
        onStep: async (report) => {
          await yieldToEventLoop();
          const stepTokens = batchTokens.get(report.step - 1) ?? 0;
          tokens += stepTokens;
          trainMilliseconds += report.milliseconds;
          trainLoss.push({ step: report.step, loss: report.loss });
          progress.update({
            step: report.step,
            loss: report.loss,
            learningRate: report.learningRate,
            tokensPerSecond: (1000 * stepTokens) / report.milliseconds,
          });
          if (options.evalInterval > 0 && report.step % options.evalInterval === 0 && report.step < report.totalSteps) {
            model.eval();
            const evaluation = await evaluate(model, heldOut, maxLength, report.step);
            model.train();
            history.push(evaluation);
            progress.log(`step ${report.step}: held-out perplexity ${evaluation.perplexity.toFixed(3)}`);
          }
        },
      });
      progress.stop();
      if (result.stopped) log(`stopped after ${result.stepsCompleted} of ${options.steps} steps; saving the adapter trained so far`);

      model.eval();
      const after = await evaluate(model, heldOut, maxLength, result.stepsCompleted);
      history.push(after);
      const reduction = 1 - after.perplexity / before.perplexity;
      log(`held-out perplexity after:  ${after.perplexity.toFixed(3)} (loss ${after.loss.toFixed(4)} nats/token), ` +
        `${(100 * reduction).toFixed(1)}% lower`);

      await model.saveAdapter(`${output.staging}/adapter`, name);
      const metrics: LanguageModelFinetuneMetrics = {
        task: 'lm',
        model: description,
        adapterConfig: options.adapterConfig,
        trainExamples: train.length,
        heldOutExamples: heldOut.length,
        stepsPlanned: options.steps,
        stepsCompleted: result.stepsCompleted,
        stoppedEarly: result.stopped,
        trainLoss,
        heldOut: { before, after, history },
        perplexityReduction: reduction,
        trainSeconds: trainMilliseconds / 1000,
        totalSeconds: (performance.now() - started) / 1000,
        tokensPerSecond: trainMilliseconds > 0 ? (1000 * tokens) / trainMilliseconds : 0,
        trainableParameters,
        baseParameters: summary.baseParameters,
      };
      await writeRunFiles(output.staging, metrics, {
        trainLoss,
        heldOutLoss: history.map((e) => ({ step: e.step, loss: e.loss })),
        title: `${options.adapterConfig.architecture} fine-tuning: loss per step`,
      });
      await output.commit();
      log(`saved adapter, metrics.json and loss.svg to ${output.target}`);
      return metrics;
    } finally {
      model.dispose();
    }
  } catch (error) {
    await output.abandon();
    throw error;
  }
}

/** Raises when a numeric option is outside its range (the CLI parsers already check types). */
export function checkFinetuneOptions(options: Pick<LanguageModelFinetuneOptions, 'steps' | 'warmupSteps' | 'schedule'>): void {
  if (options.warmupSteps >= options.steps && options.schedule !== 'constant') {
    throw new InvalidArgumentError(`--warmup ${options.warmupSteps} must be smaller than --steps ${options.steps}.`);
  }
}
