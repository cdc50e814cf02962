import * as tf from '@tensorflow/tfjs';

import { AdaptableModel, deriveSeed, Dropout, type AdaptationSite, type Linear, type ModelDescription } from '@peftjs/core-tensor';

import { BertModel, type BertForwardOptions, type BertModelOptions } from './bert-model';
import { createBertConfig, type BertConfig, type BertConfigInput } from './config';
import { bertLinear } from './init';

/**
 * BERT with a sequence classification head (transformers' `BertForSequenceClassification`):
 * `classifier(dropout(bert.pooler_output))`, children `bert` and `classifier`
 * (`[num_labels, hidden_size]`). The dropout rate is `classifier_dropout`, or
 * `hidden_dropout_prob` when that is null.
 *
 * Adaptation sites are those of {@link BertModel} under the prefix `bert.`. The model starts in
 * evaluation mode.
 */
export class BertForSequenceClassification extends AdaptableModel {
  readonly config: BertConfig;
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  /**
   * @param config Model configuration; `num_labels` or `id2label` sets the number of classes.
   * @param options Initialisation seed.
   */
  constructor(config: BertConfigInput, options: Pick<BertModelOptions, 'seed'> = {}) {
    super();
    this.config = createBertConfig(config);
    const seed = options.seed ?? 0;
    this.bert = this.registerModule('bert', new BertModel(this.config, { seed, path: 'bert' }));
    const rate = this.config.classifier_dropout ?? this.config.hidden_dropout_prob;
    this.dropout = this.registerModule('dropout', new Dropout(rate, deriveSeed(seed, 'dropout')));
    this.classifier = this.registerModule(
      'classifier',
      bertLinear(this.config.hidden_size, this.config.num_labels, deriveSeed(seed, 'classifier'), this.config.initializer_range),
    );
    this.eval();
  }

  /** Returns the sites of the encoder, with paths under `bert.` (see {@link BertModel.adaptationSites}). */
  adaptationSites(): readonly AdaptationSite[] {
    return this.bert.adaptationSites();
  }

  describe(): ModelDescription {
    return this.bert.describe();
  }

  /**
   * Returns class logits `[batch, numLabels]`.
   *
   * @param inputIds int32 token ids `[batch, length]`; not disposed.
   * @param options Padding mask and segment ids.
   */
  forward(inputIds: tf.Tensor, options: BertForwardOptions = {}): tf.Tensor {
    const { lastHiddenState, poolerOutput } = this.bert.forward(inputIds, options);
    try {
      return tf.tidy(() => this.classifier.apply(this.dropout.apply(poolerOutput!)));
    } finally {
      tf.dispose([lastHiddenState, poolerOutput!]);
    }
  }
}
