export type { Encoding, EncodeOptions, DecodeOptions, PaddingStrategy, TruncationStrategy, TextInput, TextTokenizer } from './types';
export { BasicTokenizer, cleanText, type BasicTokenizerOptions } from './basic-tokenizer';
export { wordPieceSplit, MAX_INPUT_CHARS_PER_WORD, CONTINUING_SUBWORD_PREFIX } from './wordpiece';
export { parseVocab } from './vocab';
export { PairEncodingTokenizer, type SpecialTokenLayout } from './pair-encoder';
export { WordPieceTokenizer, type WordPieceTokenizerOptions } from './wordpiece-tokenizer';
export { loadTokenizerJson, TokenizerJsonTokenizer, type TokenizerJsonOptions } from './tokenizer-json';
export { truncatePair } from './truncation';
