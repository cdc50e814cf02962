import * as fs from 'node:fs';
import * as path from 'node:path';

import { CheckpointFormatError, InvalidArgumentError } from '@peftjs/core-tensor';

import { Llama2cTokenizer, loadLlama2cTokenizer, stories260KPaths } from '../src/llama';

const SAMPLE_PATH = path.join(__dirname, '..', '..', '..', 'fixtures', 'tinystories', 'tinystories_sample.txt');

/** Builds tokenizer bytes in llama2.c's format from pieces and scores. */
function tokenizerBytes(pieces: readonly string[], scores: readonly number[], maxTokenLength = 16): Uint8Array {
  const encoder = new TextEncoder();
  const encoded = pieces.map((piece) => encoder.encode(piece));
  const size = 4 + encoded.reduce((sum, bytes) => sum + 8 + bytes.length, 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, maxTokenLength, true);
  let offset = 4;
  encoded.forEach((piece, i) => {
    view.setFloat32(offset, scores[i]!, true);
    view.setInt32(offset + 4, piece.length, true);
    bytes.set(piece, offset + 8);
    offset += 8 + piece.length;
  });
  return bytes;
}

/** `<unk>`, BOS, EOS and the 256 byte tokens, as in every llama2.c vocabulary. */
function basePieces(): string[] {
  const bytePieces = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  return ['<unk>', '\n<s>\n', '\n</s>\n', ...bytePieces];
}

/** Builds a small vocabulary whose merges the test chooses: `extra` pieces after the byte tokens, with scores. */
function tinyTokenizer(extra: [string, number][]): Llama2cTokenizer {
  const pieces = [...basePieces(), ...extra.map(([piece]) => piece)];
  const scores = new Float32Array([...basePieces().map(() => 0), ...extra.map(([, score]) => score)]);
  return new Llama2cTokenizer(pieces, scores, 8);
}

describe('Llama2cTokenizer on tok512', () => {
  let tokenizer: Llama2cTokenizer;

  beforeAll(async () => {
    tokenizer = await loadLlama2cTokenizer(stories260KPaths().tokenizer, 512);
  });

  it('reads every token', () => {
    expect(tokenizer.vocabSize).toBe(512);
    expect(tokenizer.maxTokenLength).toBe(7);
    expect(tokenizer.pieces[0]).toBe('<unk>');
    expect(tokenizer.pieces[3]).toBe('<0x00>');
    expect(tokenizer.pieces[258]).toBe('<0xFF>');
  });

  it('empty text is BOS only', () => {
    expect(tokenizer.encode('')).toEqual([1]);
    expect(tokenizer.encode('', { bos: false })).toEqual([]);
  });

  it('adds a dummy-prefix space', () => {
    const ids = tokenizer.encode('Once', { bos: false });
    expect(tokenizer.pieces[ids[0]!]!.startsWith(' ')).toBe(true);
    expect(ids.map((id) => tokenizer.pieces[id]).join('')).toBe(' Once');
  });

  it('appends EOS on request', () => {
    const ids = tokenizer.encode('a', { eos: true });
    expect(ids[0]).toBe(1);
    expect(ids[ids.length - 1]).toBe(2);
  });

  it('falls back to UTF-8 bytes', () => {
    // U+2192 (→) is not a piece of tok512, so it becomes its three UTF-8 bytes plus 3.
    expect(tokenizer.pieces.includes('\u2192')).toBe(false);
    const ids = tokenizer.encode('\u2192', { bos: false });
    expect(ids.slice(-3)).toEqual([0xe2 + 3, 0x86 + 3, 0x92 + 3]);
    expect(tokenizer.decode(ids)).toBe(' \u2192');
  });

  it('looks up code points before bytes', () => {
    // U+201C (“) is a piece of tok512, so it stays one token.
    const quote = tokenizer.pieces.indexOf('\u201c');
    expect(quote).toBeGreaterThan(258);
    expect(tokenizer.encode('\u201c', { bos: false })).toContain(quote);
  });

  it('newline becomes byte token 13', () => {
    const ids = tokenizer.encode('a\nb', { bos: false });
    expect(ids).toContain(13);
    expect(tokenizer.pieces[13]).toBe('<0x0A>');
  });

  it('decode inverts encode on the sample stories', () => {
    const text = fs.readFileSync(SAMPLE_PATH, 'utf8');
    const stories = text
      .split(/^<\|endoftext\|>$/m)
      .map((story) => story.trim())
      .filter((story) => story.length > 0);
    expect(stories).toHaveLength(5);
    for (const story of stories) {
      expect(tokenizer.decode(tokenizer.encode(story))).toBe(story);
    }
  });

  it('decodePiece strips the space after BOS only', () => {
    const once = tokenizer.encode('Once', { bos: false })[0]!;
    expect(new TextDecoder().decode(tokenizer.decodePiece(1, once))).toBe('Once');
    expect(new TextDecoder().decode(tokenizer.decodePiece(once, once))).toBe(' Once');
    expect(new TextDecoder().decode(tokenizer.decodePiece(null, once))).toBe(' Once');
  });

  it('decodePiece turns byte tokens into raw bytes', () => {
    expect(Array.from(tokenizer.decodePiece(1, 13))).toEqual([0x0a]);
    expect(Array.from(tokenizer.decodePiece(5, 0xe2 + 3))).toEqual([0xe2]);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tokenizer.decodePiece(null, 512)).toThrow(InvalidArgumentError);
    expect(() => tokenizer.decodePiece(-1, 5)).toThrow(/previousId -1/);
    expect(() => tokenizer.decode([1, 600])).toThrow(/600 is outside the vocabulary \[0, 512\)/);
  });
});

describe('Llama2cTokenizer merges', () => {
  it('merges the highest-scoring pair first', () => {
    // " ab" can merge as " a"+"b" or " "+"ab"; "ab" scores higher, so " " + "ab" → " ab".
    const tokenizer = tinyTokenizer([
      [' ', -5],
      ['a', -5],
      ['b', -5],
      [' a', -3],
      ['ab', -1],
      [' ab', -4],
    ]);
    const ids = tokenizer.encode('ab', { bos: false });
    expect(ids.map((id) => tokenizer.pieces[id])).toEqual([' ab']);
  });

  it('takes the leftmost pair on equal scores', () => {
    // In " aaa" the pairs "aa" at 1 and 2 tie; the leftmost merges, leaving [" ", "aa", "a"].
    const tokenizer = tinyTokenizer([
      [' ', -5],
      ['a', -5],
      ['aa', -1],
    ]);
    const ids = tokenizer.encode('aaa', { bos: false });
    expect(ids.map((id) => tokenizer.pieces[id])).toEqual([' ', 'aa', 'a']);
  });

  it('keeps pairs whose concatenation is no piece', () => {
    const tokenizer = tinyTokenizer([
      [' ', -5],
      ['x', -5],
      ['y', -5],
    ]);
    expect(tokenizer.encode('xy', { bos: false }).map((id) => tokenizer.pieces[id])).toEqual([' ', 'x', 'y']);
  });
});

describe('loadLlama2cTokenizer errors', () => {
  const pieces = [...basePieces(), ' the'];
  const scores = pieces.map(() => 0);
  const valid = tokenizerBytes(pieces, scores);

  it('loads a valid buffer', async () => {
    const tokenizer = await loadLlama2cTokenizer(valid, pieces.length);
    expect(tokenizer.pieces[259]).toBe(' the');
    const fromArrayBuffer = await loadLlama2cTokenizer(valid.slice().buffer, pieces.length);
    expect(fromArrayBuffer.pieces).toEqual(tokenizer.pieces);
  });

  it('rejects a file cut inside a piece', async () => {
    const cut = valid.subarray(0, valid.length - 2);
    await expect(loadLlama2cTokenizer(cut, pieces.length)).rejects.toThrow(CheckpointFormatError);
    await expect(loadLlama2cTokenizer(cut, pieces.length)).rejects.toThrow(/truncated.*piece of token 259/);
  });

  it('rejects a file cut inside a score', async () => {
    await expect(loadLlama2cTokenizer(valid.subarray(0, 10), pieces.length)).rejects.toThrow(
      /truncated: the score and length of token 0 needs bytes 4\.\.11 but the file has 10 bytes/,
    );
  });

  it('rejects a file shorter than its first field', async () => {
    await expect(loadLlama2cTokenizer(new Uint8Array(2), pieces.length)).rejects.toThrow(CheckpointFormatError);
  });

  it('rejects a vocabSize too large for the file', async () => {
    await expect(loadLlama2cTokenizer(valid, pieces.length + 1)).rejects.toThrow(/token 260/);
  });

  it('rejects a vocabSize too small for the file', async () => {
    await expect(loadLlama2cTokenizer(valid, pieces.length - 1)).rejects.toThrow(
      /has 12 bytes after its 259 tokens/,
    );
  });

  it('rejects a negative piece length', async () => {
    const corrupt = valid.slice();
    new DataView(corrupt.buffer).setInt32(4 + 4, -3, true);
    await expect(loadLlama2cTokenizer(corrupt, pieces.length)).rejects.toThrow(/negative length -3 for token 0/);
  });

  it('rejects an invalid vocabSize', async () => {
    await expect(loadLlama2cTokenizer(valid, 0)).rejects.toThrow(InvalidArgumentError);
    await expect(loadLlama2cTokenizer(valid, 2.5)).rejects.toThrow(/positive integer/);
  });

  it('rejects a missing file', async () => {
    await expect(loadLlama2cTokenizer('/nonexistent/tok.bin', 512)).rejects.toThrow(InvalidArgumentError);
  });
});
