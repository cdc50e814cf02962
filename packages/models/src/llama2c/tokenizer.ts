import { CheckpointFormatError, InvalidArgumentError } from '@peftjs/core-tensor';

import { readBinarySource, type BinarySource } from '../data/binary-source';

/** Options of {@link Llama2cTokenizer.encode}. */
export interface Llama2cEncodeOptions {
  /** Prepend the BOS token (default true, as run.c's generate does). */
  bos?: boolean;
  /** Append the EOS token (default false). */
  eos?: boolean;
}

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * A sentencepiece BPE vocabulary in llama2.c's `tokenizer.bin` format, encoding and decoding
 * exactly as llama2.c's `run.c` does.
 *
 * Token ids: 0 `<unk>`, 1 BOS, 2 EOS, then byte-fallback tokens `<0x00>` … `<0xFF>` at ids 3 to
 * 258, then merged pieces with their merge scores.
 */
export class Llama2cTokenizer {
  readonly bosId = 1;
  readonly eosId = 2;
  private readonly pieceIds = new Map<string, number>();
  private readonly pieceBytes: Uint8Array[];

  /**
   * @param pieces Text of each token, indexed by id.
   * @param scores Merge score of each token; higher merges first.
   * @param maxTokenLength Longest piece in bytes, as stored in the file.
   */
  constructor(
    readonly pieces: readonly string[],
    readonly scores: Float32Array,
    readonly maxTokenLength: number,
  ) {
    if (pieces.length !== scores.length) {
      throw new InvalidArgumentError(`Llama2cTokenizer got ${pieces.length} pieces but ${scores.length} scores.`);
    }
    if (pieces.length < 259) {
      throw new InvalidArgumentError(
        `Llama2cTokenizer needs at least 259 tokens (<unk>, BOS, EOS and 256 byte tokens), got ${pieces.length}.`,
      );
    }
    const encoder = new TextEncoder();
    this.pieceBytes = pieces.map((piece) => {
      const match = BYTE_PIECE.exec(piece);
      return match ? Uint8Array.of(parseInt(match[1]!, 16)) : encoder.encode(piece);
    });
    // The first id wins when a piece repeats, so lookups are deterministic.
    pieces.forEach((piece, id) => {
      if (!this.pieceIds.has(piece)) this.pieceIds.set(piece, id);
    });
  }

  /** Number of tokens. */
  get vocabSize(): number {
    return this.pieces.length;
  }

  /**
   * Encodes text as run.c's `encode` does. Non-empty text starts with a dummy-prefix space token
   * (sentencepiece's `add_dummy_prefix`). Each Unicode code point becomes its own piece, or its
   * UTF-8 bytes as byte tokens (byte + 3) when the vocabulary lacks it. Then the adjacent pair
   * whose concatenation is the highest-scoring piece is merged, the leftmost on ties, until no
   * pair merges. BOS and EOS are added as requested.
   *
   * Unlike run.c, the BOS token never takes part in merges. run.c would merge it only if the
   * vocabulary held a piece starting with BOS's text, which sentencepiece vocabularies do not.
   *
   * @param text Text to encode.
   * @param options Whether to add BOS (default true) and EOS (default false).
   */
  encode(text: string, options: Llama2cEncodeOptions = {}): number[] {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError(`Llama2cTokenizer.encode expects a string, got ${typeof text}.`);
    }
    const tokens: number[] = [];
    if (text.length > 0) {
      this.pushPiece(' ', tokens);
      for (const codePoint of text) this.pushPiece(codePoint, tokens);
      this.mergePairs(tokens);
    }
    if (options.bos ?? true) tokens.unshift(this.bosId);
    if (options.eos ?? false) tokens.push(this.eosId);
    return tokens;
  }

  /**
   * Returns the bytes run.c prints for `id` after `previousId`: the piece with its leading space
   * removed right after BOS, and `<0xXX>` byte tokens as the raw byte. The bytes of one code point
   * may be spread over several byte tokens, so decode the concatenation (or use a streaming
   * `TextDecoder`), not each piece alone.
   *
   * @param previousId The token before `id`, or null at the start of a sequence.
   * @param id The token to decode.
   */
  decodePiece(previousId: number | null, id: number): Uint8Array {
    this.checkId(id, 'id');
    if (previousId !== null) this.checkId(previousId, 'previousId');
    const bytes = this.pieceBytes[id]!;
    const isByteToken = BYTE_PIECE.test(this.pieces[id]!);
    if (previousId === this.bosId && !isByteToken && bytes[0] === 0x20) return bytes.subarray(1);
    return bytes;
  }

  /**
   * Decodes token ids into text: the concatenated {@link decodePiece} bytes of every id, read as
   * UTF-8, with BOS and EOS left out. run.c's printing drops single bytes that are not printable
   * ASCII, but here byte tokens are kept, so characters spelled by byte fallback survive. Invalid
   * UTF-8 becomes U+FFFD.
   *
   * @param ids Token ids.
   */
  decode(ids: readonly number[]): string {
    const chunks: Uint8Array[] = [];
    let previous: number | null = null;
    for (const id of ids) {
      if (id !== this.bosId && id !== this.eosId) chunks.push(this.decodePiece(previous, id));
      previous = id;
    }
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      joined.set(chunk, offset);
      offset += chunk.length;
    }
    return new TextDecoder().decode(joined);
  }

  private pushPiece(piece: string, tokens: number[]): void {
    const id = this.pieceIds.get(piece);
    if (id !== undefined) {
      tokens.push(id);
      return;
    }
    // Byte fallback: ids 3..258 are the byte tokens <0x00>..<0xFF>.
    for (const byte of new TextEncoder().encode(piece)) tokens.push(byte + 3);
  }

  private mergePairs(tokens: number[]): void {
    for (;;) {
      let bestScore = -Infinity;
      let bestIndex = -1;
      let bestId = -1;
      for (let i = 0; i + 1 < tokens.length; i++) {
        const merged = this.pieceIds.get(this.pieces[tokens[i]!]! + this.pieces[tokens[i + 1]!]!);
        if (merged !== undefined && this.scores[merged]! > bestScore) {
          bestScore = this.scores[merged]!;
          bestIndex = i;
          bestId = merged;
        }
      }
      if (bestIndex < 0) return;
      tokens.splice(bestIndex, 2, bestId);
    }
  }

  private checkId(id: number, name: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.pieces.length) {
      throw new InvalidArgumentError(`Token ${name} ${id} is outside the vocabulary [0, ${this.pieces.length}).`);
    }
  }
}

/**
 * Loads a llama2.c tokenizer file: an int32 `max_token_length`, then for each token a float32
 * score, an int32 byte length and the piece's UTF-8 bytes (little-endian).
 *
 * @param source File path (Node), `ArrayBuffer` or `Uint8Array` of the tokenizer `.bin` file.
 * @param vocabSize Number of tokens stored; the model header's vocab_size (llama2.c stores it
 *   only there).
 * @throws CheckpointFormatError when the file ends inside a token or has bytes after the last one.
 */
export async function loadLlama2cTokenizer(source: BinarySource, vocabSize: number): Promise<Llama2cTokenizer> {
  if (!Number.isInteger(vocabSize) || vocabSize <= 0) {
    throw new InvalidArgumentError(
      `vocabSize must be a positive integer (the checkpoint's vocab_size), got ${vocabSize}.`,
    );
  }
  const bytes = await readBinarySource(source, 'llama2.c tokenizer');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = (offset: number, needed: number, field: string): CheckpointFormatError =>
    new CheckpointFormatError(
      `The llama2.c tokenizer is truncated: ${field} needs bytes ${offset}..${offset + needed - 1} but the file ` +
        `has ${bytes.byteLength} bytes. Check the file, and that vocabSize ${vocabSize} is the model's vocab_size.`,
    );

  if (bytes.byteLength < 4) throw truncated(0, 4, 'max_token_length');
  const maxTokenLength = view.getInt32(0, true);
  const decoder = new TextDecoder();
  const pieces: string[] = [];
  const scores = new Float32Array(vocabSize);
  let offset = 4;
  for (let id = 0; id < vocabSize; id++) {
    if (offset + 8 > bytes.byteLength) throw truncated(offset, 8, `the score and length of token ${id}`);
    scores[id] = view.getFloat32(offset, true);
    const length = view.getInt32(offset + 4, true);
    offset += 8;
    if (length < 0) {
      throw new CheckpointFormatError(
        `The llama2.c tokenizer stores a negative length ${length} for token ${id} at byte ${offset - 4}; the file is corrupt.`,
      );
    }
    if (offset + length > bytes.byteLength) throw truncated(offset, length, `the ${length}-byte piece of token ${id}`);
    pieces.push(decoder.decode(bytes.subarray(offset, offset + length)));
    offset += length;
  }
  if (offset !== bytes.byteLength) {
    throw new CheckpointFormatError(
      `The llama2.c tokenizer has ${bytes.byteLength - offset} bytes after its ${vocabSize} tokens; ` +
        'vocabSize is probably not the model\'s vocab_size. Pass the vocab_size of the checkpoint header.',
    );
  }
  return new Llama2cTokenizer(pieces, scores, maxTokenLength);
}
