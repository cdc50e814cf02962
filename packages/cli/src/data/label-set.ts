import { InvalidArgumentError } from '@peftjs/core-tensor';

import type { LabelledSentence } from './labelled-sentences';

/** The class names of a classification task; a name's index is its row of the `score` layer. */
export class LabelSet {
  private readonly indices: Map<string, number>;

  /**
   * @param names Distinct, non-empty class names, at least two, in row order.
   */
  constructor(readonly names: readonly string[]) {
    if (!Array.isArray(names) || names.length < 2) {
      throw new InvalidArgumentError(
        `A classifier needs at least two labels, got ${JSON.stringify(names)}; the data must contain examples of two or more classes.`,
      );
    }
    this.indices = new Map();
    names.forEach((name, index) => {
      if (typeof name !== 'string' || name === '') {
        throw new InvalidArgumentError(`Label ${index} is ${JSON.stringify(name)}; labels must be non-empty strings.`);
      }
      if (this.indices.has(name)) {
        throw new InvalidArgumentError(`Label "${name}" appears twice in ${JSON.stringify(names)}; labels must be distinct.`);
      }
      this.indices.set(name, index);
    });
  }

  /**
   * Collects the labels of `sentences`, sorted so that numeric labels keep their numeric order
   * (`"2"` before `"10"`) and the same data always gives the same rows.
   *
   * @param sentences Labelled sentences.
   */
  static fromSentences(sentences: readonly LabelledSentence[]): LabelSet {
    const names = [...new Set(sentences.map((s) => s.label))];
    names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return new LabelSet(names);
  }

  /** Number of labels. */
  get size(): number {
    return this.names.length;
  }

  /**
   * Returns the index of label `name`.
   *
   * @param name A label.
   * @param source Where the label came from (`file:line`), for the error message.
   */
  indexOf(name: string, source: string): number {
    const index = this.indices.get(name);
    if (index === undefined) {
      throw new InvalidArgumentError(
        `Label "${name}" at ${source} is not one of the classifier's labels (${this.names.join(', ')}); ` +
          'evaluate on data with the labels the classifier was trained on.',
      );
    }
    return index;
  }
}
