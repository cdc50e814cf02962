import { readFile } from 'node:fs/promises';

import { InvalidArgumentError } from '@peftjs/core-tensor';

/** One line of a `text<TAB>label` file. */
export interface LabelledSentence {
  readonly text: string;
  readonly label: string;
  /** File and 1-based line it came from, for error messages. */
  readonly source: string;
}

/**
 * Reads `text<TAB>label` lines, splitting on the last tab (sentences may contain tabs). Blank lines
 * are skipped; a line without a tab, with an empty text or an empty label raises an
 * {@link InvalidArgumentError} naming the file and line.
 */
export async function readLabelledSentences(path: string): Promise<LabelledSentence[]> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read data file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  const sentences: LabelledSentence[] = [];
  content.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const source = `${path}:${index + 1}`;
    const tab = line.lastIndexOf('\t');
    if (tab < 0) {
      throw new InvalidArgumentError(`Malformed line ${source}: expected "text<TAB>label" but found no tab.`);
    }
    const text = line.slice(0, tab).trim();
    const label = line.slice(tab + 1).trim();
    if (text === '' || label === '') {
      throw new InvalidArgumentError(`Malformed line ${source}: the ${text === '' ? 'text' : 'label'} is empty.`);
    }
    sentences.push({ text, label, source });
  });
  if (sentences.length === 0) throw new InvalidArgumentError(`Data file ${path} contains no sentences.`);
  return sentences;
}

/** Reads plain text with one example per non-blank line. */
export async function readTextLines(path: string): Promise<string[]> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read data file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  const lines = content.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) throw new InvalidArgumentError(`Data file ${path} contains no text.`);
  return lines;
}
