import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InvalidArgumentError } from '@peftjs/core-tensor';

import { readClassificationSentences } from '../../src/data/classification-data';
import { readLabelledSentences, readTextLines } from '../../src/data/labelled-sentences';
import { readLanguageModelTexts } from '../../src/data/lm-data';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'peftjs-cli-data-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function dataFile(name: string, content: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

describe('readLabelledSentences', () => {
  it('reads text and label of every line', async () => {
    const path = await dataFile('good.tsv', 'Great phone.\t1\nBroke in a day.\t0\n');
    const sentences = await readLabelledSentences(path);
    expect(sentences.map((s) => [s.text, s.label])).toEqual([
      ['Great phone.', '1'],
      ['Broke in a day.', '0'],
    ]);
    expect(sentences[1].source).toBe(`${path}:2`);
  });

  it('splits on the last tab', async () => {
    const path = await dataFile('tabs.tsv', 'a\tsentence with a tab\tpositive\n');
    const [sentence] = await readLabelledSentences(path);
    expect(sentence.text).toBe('a\tsentence with a tab');
    expect(sentence.label).toBe('positive');
  });

  it('skips blank lines and accepts CRLF', async () => {
    const path = await dataFile('crlf.tsv', 'one\t1\r\n\r\n   \r\ntwo\t0\r\n');
    const sentences = await readLabelledSentences(path);
    expect(sentences.map((s) => s.label)).toEqual(['1', '0']);
    expect(sentences[1].source).toBe(`${path}:4`);
  });

  it('rejects a line without a tab', async () => {
    const path = await dataFile('notab.tsv', 'fine\t1\nno tab here\nlater\t0\n');
    const read = readLabelledSentences(path);
    await expect(read).rejects.toThrow(InvalidArgumentError);
    await expect(readLabelledSentences(path)).rejects.toThrow(`Malformed line ${path}:2: expected "text<TAB>label" but found no tab.`);
  });

  it('rejects an empty label', async () => {
    const path = await dataFile('nolabel.tsv', 'text only\t  \n');
    await expect(readLabelledSentences(path)).rejects.toThrow(`Malformed line ${path}:1: the label is empty.`);
  });

  it('rejects an empty text', async () => {
    const path = await dataFile('notext.tsv', '\t1\n');
    await expect(readLabelledSentences(path)).rejects.toThrow(`Malformed line ${path}:1: the text is empty.`);
  });

  it('rejects a file without sentences', async () => {
    const path = await dataFile('blank.tsv', '\n\n');
    await expect(readLabelledSentences(path)).rejects.toThrow(`Data file ${path} contains no sentences.`);
  });

  it('names a missing file', async () => {
    const path = join(directory, 'missing.tsv');
    await expect(readLabelledSentences(path)).rejects.toThrow(`Cannot read data file ${path}: ENOENT.`);
  });
});

describe('readTextLines', () => {
  it('trims lines and drops blank ones', async () => {
    const path = await dataFile('plain.txt', '  first  \n\nsecond\n');
    expect(await readTextLines(path)).toEqual(['first', 'second']);
  });

  it('rejects an empty file', async () => {
    const path = await dataFile('empty.txt', '');
    await expect(readTextLines(path)).rejects.toThrow(`Data file ${path} contains no text.`);
  });
});

describe('readLanguageModelTexts', () => {
  it('keeps only the text of labelled files', async () => {
    const labelled = await dataFile('lm-labelled.tsv', 'A cat sat.\t1\nA dog ran.\t0\n');
    const plain = await dataFile('lm-plain.txt', 'Once upon a time.\nThe end.\n');
    expect(await readLanguageModelTexts([labelled, plain])).toEqual(['A cat sat.', 'A dog ran.', 'Once upon a time.', 'The end.']);
  });

  it('reads a file with some tab-less lines as plain text', async () => {
    const mixed = await dataFile('lm-mixed.txt', 'has\ta tab\nhas none\n');
    expect(await readLanguageModelTexts([mixed])).toEqual(['has\ta tab', 'has none']);
  });
});

describe('readClassificationSentences', () => {
  it('concatenates files in order', async () => {
    const first = await dataFile('c1.tsv', 'a\t1\n');
    const second = await dataFile('c2.tsv', 'b\t0\n');
    const sentences = await readClassificationSentences([first, second]);
    expect(sentences.map((s) => s.text)).toEqual(['a', 'b']);
  });

  it('rejects a plain-text file', async () => {
    const plain = await dataFile('c-plain.txt', 'no labels here\n');
    await expect(readClassificationSentences([plain])).rejects.toThrow(`Malformed line ${plain}:1`);
  });

  it('rejects an empty list of files', async () => {
    await expect(readClassificationSentences([])).rejects.toThrow('No data file given');
  });
});
