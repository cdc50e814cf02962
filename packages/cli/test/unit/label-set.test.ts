import { InvalidArgumentError } from '@peftjs/core-tensor';

import { LabelSet } from '../../src/data/label-set';

function sentences(labels: string[]) {
  return labels.map((label, i) => ({ text: `text ${i}`, label, source: `data.tsv:${i + 1}` }));
}

describe('LabelSet', () => {
  it('orders numeric labels numerically', () => {
    expect(LabelSet.fromSentences(sentences(['10', '2', '1', '2'])).names).toEqual(['1', '2', '10']);
  });

  it('orders word labels alphabetically', () => {
    expect(LabelSet.fromSentences(sentences(['positive', 'negative', 'neutral'])).names).toEqual(['negative', 'neutral', 'positive']);
  });

  it('maps labels to rows', () => {
    const labels = new LabelSet(['neg', 'pos']);
    expect(labels.indexOf('pos', 'x:1')).toBe(1);
    expect(labels.size).toBe(2);
  });

  it('names an unknown label and where it came from', () => {
    const labels = new LabelSet(['0', '1']);
    expect(() => labels.indexOf('2', 'test.tsv:7')).toThrow(
      'Label "2" at test.tsv:7 is not one of the classifier\'s labels (0, 1); evaluate on data with the labels the classifier was trained on.',
    );
  });

  it('rejects a single class', () => {
    expect(() => LabelSet.fromSentences(sentences(['1', '1']))).toThrow(InvalidArgumentError);
    expect(() => new LabelSet(['1'])).toThrow('A classifier needs at least two labels, got ["1"]');
  });

  it('rejects duplicate and empty labels', () => {
    expect(() => new LabelSet(['a', 'a'])).toThrow('Label "a" appears twice');
    expect(() => new LabelSet(['a', ''])).toThrow('Label 1 is ""; labels must be non-empty strings.');
  });
});
