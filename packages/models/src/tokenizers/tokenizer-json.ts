import { CheckpointFormatError, InvalidArgumentError } from '@peftjs/core-tensor';
// The package sets "type": "module", so TypeScript reads its declarations as ESM and a CommonJS
// file must import its types in import mode.
import type { Tokenizer as HfTokenizer } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };

import { PairEncodingTokenizer, type SpecialTokenLayout } from './pair-encoder';
import { readTextFile } from './read-text';
import type { DecodeOptions } from './types';

/**
 * transformers writes this sentinel (`int(1e30)`) as `model_max_length` when a checkpoint sets no
 * limit, so any value at or above it means "unset".
 */
const UNSET_MODEL_MAX_LENGTH = 1e29;

/** Options of {@link loadTokenizerJson}. */
export interface TokenizerJsonOptions {
  /**
   * Contents of the checkpoint's `tokenizer_config.json`, or a path to it. Supplies
   * `model_max_length` and `pad_token` when `tokenizer.json` does not.
   */
  tokenizerConfig?: Record<string, unknown> | string;
  /** Default length limit for truncation and `'max_length'` padding; overrides the files. */
  modelMaxLength?: number;
}

/**
 * A tokenizer described by a Hugging Face `tokenizer.json` (normalizer, pre-tokenizer, model,
 * post-processor, decoder), run by the `@huggingface/tokenizers` package. Truncation and padding
 * are done here, with the same rules as {@link WordPieceTokenizer}, because that package does not
 * implement them.
 *
 * Its `BertNormalizer` (version 0.2.0) differs from BERT's own rules on two rare inputs: CJK
 * ideographs outside the Basic Multilingual Plane (Extension B and later) are not split into
 * separate tokens, and unassigned code points are kept instead of dropped. {@link WordPieceTokenizer}
 * follows transformers on both.
 */
export class TokenizerJsonTokenizer extends PairEncodingTokenizer {
  readonly vocabSize: number;
  readonly modelMaxLength: number;
  readonly padTokenId: number | null;

  /**
   * @param tokenizer The `@huggingface/tokenizers` tokenizer to run.
   * @param modelMaxLength Default length limit.
   * @param padTokenId Padding id, or null when the tokenizer has none.
   */
  constructor(
    readonly tokenizer: HfTokenizer,
    modelMaxLength: number,
    padTokenId: number | null,
  ) {
    super();
    this.vocabSize = tokenizer.get_vocab(true).size;
    this.modelMaxLength = modelMaxLength;
    this.padTokenId = padTokenId;
  }

  /**
   * Splits `text` into tokens with the normalizer, pre-tokenizer and model of `tokenizer.json`,
   * without special tokens.
   *
   * @param text Any string.
   */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError(`Text to tokenize must be a string, got ${typeof text}.`);
    }
    return this.tokenizer.tokenize(text, { add_special_tokens: false });
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  /**
   * Turns ids back into text with the decoder of `tokenizer.json`.
   *
   * @param ids Token ids; each must be in the vocabulary.
   * @param options Whether to drop special tokens and clean up spaces before punctuation.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (!Array.isArray(ids)) {
      throw new InvalidArgumentError(`decode expects an array of token ids, got ${typeof ids}.`);
    }
    ids.forEach((id, position) => {
      if (this.idToToken(id) === undefined) {
        throw new InvalidArgumentError(
          `Token id ${id} at position ${position} is not in the vocabulary of ${this.vocabSize} tokens.`,
        );
      }
    });
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? true,
    });
  }

  protected idForToken(token: string): number {
    const id = this.tokenizer.token_to_id(token) ?? this.tokenizer.model?.unk_token_id;
    if (id === undefined) {
      throw new CheckpointFormatError(
        `Token "${token}" is not in the vocabulary and tokenizer.json names no unknown token. ` +
          'Add an "unk_token" to the model section of tokenizer.json.',
      );
    }
    return id;
  }

  protected addSpecialTokens(first: string[], second: string[] | null): SpecialTokenLayout {
    const processor = this.tokenizer.post_processor;
    if (processor === null) {
      return { tokens: [...first, ...(second ?? [])], tokenTypeIds: [...first.map(() => 0), ...(second ?? []).map(() => 1)] };
    }
    const output = processor(first, second, true);
    return { tokens: output.tokens, tokenTypeIds: output.token_type_ids ?? output.tokens.map(() => 0) };
  }
}

/**
 * Loads a Hugging Face `tokenizer.json`.
 *
 * ```ts
 * const tokenizer = await loadTokenizerJson('checkpoint/tokenizer.json', {
 *   tokenizerConfig: 'checkpoint/tokenizer_config.json',
 * });
 * tokenizer.encode('Hello world!', null, { maxLength: 16, padding: 'max_length' });
 * ```
 *
 * @param source Path to `tokenizer.json` (Node), its text, or the parsed object.
 * @param options `tokenizer_config.json` contents or path, and a length limit.
 */
export async function loadTokenizerJson(
  source: string | Record<string, unknown>,
  options: TokenizerJsonOptions = {},
): Promise<TokenizerJsonTokenizer> {
  const json = await readJsonSource(source, 'tokenizer.json');
  const config = options.tokenizerConfig === undefined ? {} : await readJsonSource(options.tokenizerConfig, 'tokenizer_config.json');
  checkTokenizerJson(json);

  const { Tokenizer } = await import('@huggingface/tokenizers');
  let tokenizer: HfTokenizer;
  try {
    // tokenizer.json files written by the Rust library always carry these keys (null when
    // unused), and the JavaScript constructor requires them.
    tokenizer = new Tokenizer(
      { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...json },
      config,
    );
  } catch (error) {
    throw new CheckpointFormatError(
      `Invalid tokenizer.json: ${(error as Error).message}. Check that it was written by the Hugging Face tokenizers library.`,
    );
  }

  const modelMaxLength = options.modelMaxLength ?? configuredMaxLength(json, config);
  return new TokenizerJsonTokenizer(tokenizer, modelMaxLength, findPadTokenId(tokenizer, json, config));
}

async function readJsonSource(source: string | Record<string, unknown>, fileName: string): Promise<Record<string, unknown>> {
  if (typeof source !== 'string') {
    if (source === null || typeof source !== 'object' || Array.isArray(source)) {
      throw new InvalidArgumentError(`${fileName} must be a path, JSON text or an object, got ${JSON.stringify(source)}.`);
    }
    return source;
  }
  const text = source.trimStart().startsWith('{') ? source : await readTextFile(source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CheckpointFormatError(`${fileName} is not valid JSON: ${(error as Error).message}.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CheckpointFormatError(`${fileName} must contain a JSON object, got ${JSON.stringify(parsed)?.slice(0, 80)}.`);
  }
  return parsed as Record<string, unknown>;
}

function checkTokenizerJson(json: Record<string, unknown>): void {
  const model = json.model as Record<string, unknown> | undefined;
  if (model === null || typeof model !== 'object') {
    throw new CheckpointFormatError('tokenizer.json has no "model" object. Pass a file written by the Hugging Face tokenizers library.');
  }
  if (model.vocab === undefined) {
    throw new CheckpointFormatError(
      `The "model" section of tokenizer.json (type ${JSON.stringify(model.type)}) has no "vocab". Pass a complete tokenizer.json.`,
    );
  }
  if (json.added_tokens !== undefined && !Array.isArray(json.added_tokens)) {
    throw new CheckpointFormatError(`"added_tokens" in tokenizer.json must be an array, got ${typeof json.added_tokens}.`);
  }
}

function configuredMaxLength(json: Record<string, unknown>, config: Record<string, unknown>): number {
  const fromConfig = config.model_max_length;
  if (typeof fromConfig === 'number' && Number.isInteger(fromConfig) && fromConfig > 0 && fromConfig < UNSET_MODEL_MAX_LENGTH) {
    return fromConfig;
  }
  const truncation = json.truncation as { max_length?: unknown } | null | undefined;
  if (truncation && typeof truncation.max_length === 'number' && truncation.max_length > 0) return truncation.max_length;
  return 512;
}

function findPadTokenId(tokenizer: HfTokenizer, json: Record<string, unknown>, config: Record<string, unknown>): number | null {
  const padding = json.padding as { pad_id?: unknown } | null | undefined;
  if (padding && typeof padding.pad_id === 'number') return padding.pad_id;

  const configured = config.pad_token;
  const name =
    typeof configured === 'string'
      ? configured
      : configured !== null && typeof configured === 'object' && typeof (configured as { content?: unknown }).content === 'string'
        ? (configured as { content: string }).content
        : '[PAD]';
  return tokenizer.token_to_id(name) ?? null;
}
