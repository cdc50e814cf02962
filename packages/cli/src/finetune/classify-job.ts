import { mkdir } from 'node:fs/promises';

import { runTraining, type AdapterConfig, type ScheduleKind } from '@peftjs/core-tensor';
import type { LlamaForSequenceClassification } from '@peftjs/models';

import { softmaxCrossEntropy } from '../classify/cross-entropy';
import { evaluateClassifier, type ClassifierEvaluation } from '../classify/evaluate';
import { saveClassifierHead } from '../classify/head-files';
import { pooledClassLogits } from '../classify/pooled-logits';
import { loadSequenceClassifier } from '../classify/sequence-classifier';
import { ClassificationBatcher, disposeClassificationBatch } from '../data/classification-batches';
import { encodeClassificationExamples, readClassificationSentences } from '../data/classification-data';
import { LabelSet } from '../data/label-set';
import { shippedSentimentFiles } from '../data/lm-data';
import { trainHeldOutSplit } from '../data/split';
import { EVALUATION_BATCH_SIZE } from '../evaluation/batch-size';
import { StagedDirectory } from '../output-dir';
import { TrainingProgress } from '../progress';
import { writeRunFiles } from './run-files';
import { yieldToEventLoop } from './yield-to-event-loop';

/** Settings of a classification fine-tuning run. */
export interface ClassifierFinetuneOptions {
  readonly model?: string;
  readonly tokenizer?: string;
  /** `text<TAB>label` files; default: the shipped review sentences (labels 0 and 1). */
  readonly data?: readonly string[];
  /** The adapter trained alongside the head, or null to train the head alone on the frozen model. */
  readonly adapterConfig: AdapterConfig | null;
  /** Name the adapter is saved under (default `default`, as PEFT). */
  readonly adapterName?: string;
  readonly steps: number;
  readonly batchSize: number;
  /** Maximum length of a training or evaluation sequence, in tokens; longer sentences keep their start. */
  readonly sequenceLength: number;
  readonly learningRate: number;
  readonly schedule: ScheduleKind;
  readonly warmupSteps: number;
  readonly maxGradNorm?: number;
  readonly heldOutFraction: number;
  /** Seed of the split, the shuffling and the initial head and adapter weights. */
  readonly seed: number;
  /** Steps between held-out evaluations (0: only before and after training). */
  readonly evalInterval: number;
  readonly output: string;
  /** Checked before every step; true stops training and saves what was trained so far. */
  readonly shouldStop?: () => boolean;
  /** Receiver of the human-readable progress lines (default: standard output). */
  readonly log?: (line: string) => void;
}

/** Everything `metrics.json` of a classification run records. */
export interface ClassifierFinetuneMetrics {
  readonly task: 'classify';
  readonly model: string;
  /** The adapter config, or null for a head-only run. */
  readonly adapterConfig: AdapterConfig | null;
  /** Class names in the order of the head's rows. */
  readonly labels: readonly string[];
  readonly trainExamples: number;
  readonly heldOutExamples: number;
  readonly stepsPlanned: number;
  readonly stepsCompleted: number;
  readonly stoppedEarly: boolean;
  readonly trainLoss: { step: number; loss: number }[];
  readonly heldOut: { before: ClassifierEvaluation; after: ClassifierEvaluation; history: ClassifierEvaluation[] };
  /** Held-out accuracy after minus before, in [-1, 1]. */
  readonly accuracyGain: number;
  readonly trainSeconds: number;
  readonly totalSeconds: number;
  readonly tokensPerSecond: number;
  /** Adapter and head parameters that training updated. */
  readonly trainableParameters: number;
  readonly headParameters: number;
  /** Parameters of the model without adapter and head. */
  readonly baseParameters: number;
}

/** Freezes everything but the adapter (if any) and the `score` head, and switches to training mode. */
function prepareTraining(model: LlamaForSequenceClassification, adapterConfig: AdapterConfig | null, name: string): void {
  if (adapterConfig === null) {
    for (const parameter of model.parameters()) parameter.trainable = false;
    model.train();
  } else {
    model.addAdapter(name, adapterConfig);
    model.trainAdapter(name);
  }
  // The new head must learn with the adapter: PEFT and AdapterHub keep it trainable the same way
  // (`modules_to_save`, prediction heads).
  model.score.weight.trainable = true;
}

function formatAccuracy(evaluation: ClassifierEvaluation): string {
  return `${(100 * evaluation.accuracy).toFixed(1)}% (${evaluation.correct} of ${evaluation.count}; loss ${evaluation.loss.toFixed(4)} nats)`;
}

/**
 * Fine-tunes a sequence classifier on `text<TAB>label` files. The classifier is a pre-trained
 * Llama model with a new `score` head on the hidden state of each sentence's last token. The head
 * trains together with an adapter or, without one, as a linear probe of the frozen model.
 * Held-out accuracy is measured before and after training on a seeded split. The output directory, which appears only when
 * complete, receives `adapter/` (adapter files when there is an adapter, and the head as
 * `head_config.json` + `head.safetensors`), `metrics.json` and `loss.svg`.
 */
export async function finetuneClassifier(options: ClassifierFinetuneOptions): Promise<ClassifierFinetuneMetrics> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = performance.now();
  const output = await StagedDirectory.create(options.output);
  try {
    const sentences = await readClassificationSentences(options.data ?? shippedSentimentFiles());
    const labels = LabelSet.fromSentences(sentences);
    const split = trainHeldOutSplit(sentences, options.heldOutFraction, options.seed);
    const { model, tokenizer, description } = await loadSequenceClassifier({ ...options, numLabels: labels.size });
    try {
      const train = encodeClassificationExamples(split.train, tokenizer, labels);
      const heldOut = encodeClassificationExamples(split.heldOut, tokenizer, labels);
      const maxLength = Math.min(options.sequenceLength, model.config.max_position_embeddings);
      const evaluationOptions = { batchSize: EVALUATION_BATCH_SIZE, maxLength };
      log(`model: ${description}; labels ${labels.names.join(', ')}; ${train.length} training and ${heldOut.length} held-out examples`);

      const before = await evaluateClassifier(model, heldOut, evaluationOptions);
      log(`held-out accuracy before: ${formatAccuracy(before)}`);

      const name = options.adapterName ?? 'default';
      const baseParameters = model.countParameters() - model.score.weight.size;
      prepareTraining(model, options.adapterConfig, name);
      const trainableParameters = model.countParameters({ trainableOnly: true });
      const trainedPart =
        options.adapterConfig === null ? 'head only (frozen model)' : `adapter ${name} (${options.adapterConfig.architecture}) and head`;
      log(`${trainedPart}: ${trainableParameters.toLocaleString('en-US')} trainable parameters, ` +
        `${((100 * trainableParameters) / baseParameters).toFixed(2)}% of ${baseParameters.toLocaleString('en-US')}`);

      const batcher = new ClassificationBatcher(train, options.batchSize, maxLength, options.seed);
      const progress = new TrainingProgress(options.steps);
      const history: ClassifierEvaluation[] = [before];
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
        loss: (batch) => softmaxCrossEntropy(pooledClassLogits(model, batch.inputIds, batch.attentionMask), batch.labels),
        releaseBatch: disposeClassificationBatch,
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
            const evaluation = await evaluateClassifier(model, heldOut, { ...evaluationOptions, step: report.step });
            model.train();
            history.push(evaluation);
            progress.log(`step ${report.step}: held-out accuracy ${formatAccuracy(evaluation)}`);
          }
        },
      });
      progress.stop();
      if (result.stopped) log(`stopped after ${result.stepsCompleted} of ${options.steps} steps; saving what was trained so far`);

      model.eval();
      const after = await evaluateClassifier(model, heldOut, { ...evaluationOptions, step: result.stepsCompleted });
      history.push(after);
      log(`held-out accuracy after:  ${formatAccuracy(after)}, ${(100 * (after.accuracy - before.accuracy)).toFixed(1)} points gained`);

      const adapterDirectory = `${output.staging}/adapter`;
      if (options.adapterConfig === null) await mkdir(adapterDirectory);
      else await model.saveAdapter(adapterDirectory, name);
      await saveClassifierHead(adapterDirectory, model, labels);

      const metrics: ClassifierFinetuneMetrics = {
        task: 'classify',
        model: description,
        adapterConfig: options.adapterConfig,
        labels: labels.names,
        trainExamples: train.length,
        heldOutExamples: heldOut.length,
        stepsPlanned: options.steps,
        stepsCompleted: result.stepsCompleted,
        stoppedEarly: result.stopped,
        trainLoss,
        heldOut: { before, after, history },
        accuracyGain: after.accuracy - before.accuracy,
        trainSeconds: trainMilliseconds / 1000,
        totalSeconds: (performance.now() - started) / 1000,
        tokensPerSecond: trainMilliseconds > 0 ? (1000 * tokens) / trainMilliseconds : 0,
        trainableParameters,
        headParameters: model.score.weight.size,
        baseParameters,
      };
      await writeRunFiles(output.staging, metrics, {
        trainLoss,
        heldOutLoss: history.map((e) => ({ step: e.step, loss: e.loss })),
        title: `${options.adapterConfig?.architecture ?? 'head-only'} classification: loss per step`,
        yAxisTitle: 'cross-entropy (nats / example)',
      });
      await output.commit();
      log(`saved ${options.adapterConfig === null ? 'the head' : 'adapter and head'}, metrics.json and loss.svg to ${output.target}`);
      return metrics;
    } finally {
      model.dispose();
    }
  } catch (error) {
    await output.abandon();
    throw error;
  }
}
