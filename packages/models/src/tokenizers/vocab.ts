import { CheckpointFormatError } from '@peftjs/core-tensor';

/**
 * Parses a WordPiece `vocab.txt`: one token a line, the id being the line number from 0. As in
 * transformers' `load_vocab`, a token listed twice keeps its last id. A final newline does not add
 * an empty token, and `\r\n` line endings are accepted.
 *
 * @param text Contents of the vocabulary file.
 */
export function parseVocab(text: string): Map<string, number> {
  if (typeof text !== 'string') {
    throw new CheckpointFormatError(`A vocabulary must be text with one token a line, got ${typeof text}.`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) {
    throw new CheckpointFormatError('The vocabulary is empty. Pass a vocab.txt with one token a line.');
  }
  const vocab = new Map<string, number>();
  lines.forEach((line, id) => vocab.set(line.endsWith('\r') ? line.slice(0, -1) : line, id));
  return vocab;
}
