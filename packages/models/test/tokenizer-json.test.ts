import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CheckpointFormatError, InvalidArgumentError } from '@peftjs/core-tensor';

import { loadTokenizerJson, WordPieceTokenizer } from '../src/bert';

const VOCAB_TEXT = readFileSync(join(__dirname, 'fixtures', 'bert', 'vocab.txt'), 'utf8');
const VOCAB_LINES = VOCAB_TEXT.split('\n').slice(0, -1);

const SPECIAL_IDS: Record<string, number> = { '[PAD]': 0, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, '[MASK]': 103 };

/**
 * Builds a tokenizer.json with the layout the Hugging Face tokenizers library uses for an uncased
 * BERT checkpoint: BertNormalizer, BertPreTokenizer, WordPiece model and a [CLS]/[SEP] post-processor.
 */
function bertTokenizerJson(postProcessor: 'TemplateProcessing' | 'BertProcessing'): Record<string, unknown> {
  const special = (token: string, typeId: number) => ({ SpecialToken: { id: token, type_id: typeId } });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const processors = {
    TemplateProcessing: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [101], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [102], tokens: ['[SEP]'] },
      },
    },
    BertProcessing: { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] },
  };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: Object.entries(SPECIAL_IDS).map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: processors[postProcessor],
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB_LINES.map((token, id) => [token, id])),
    },
  };
}

const SENTENCES = [
  'unaffable',
  'Hello, world!',
  'The quick brown fox jumps over the lazy dog.',
  "I can't believe it's not butter; it's 100% margarine!",
  'Naïve café owners résumé: Ångström, Øre, façade.',
  'Prices rose 3.5% to $1,234.56 (approx.) on 2024-01-15.',
  'E-mail me at someone@example.com or visit https://example.org/path?q=1&r=2#frag.',
  '中国人 likes 日本語 and 東京.',
  'Tabs\tand\nnewlines\r\nare   whitespace.',
  'Control\u0007chars and zero\u200bwidth spaces vanish.',
  'A replacement \ufffd character and a NUL\u0000 byte.',
  'Unicode punctuation: «quotes», ¿questions?, dashes — and … ellipses.',
  'Symbols like ^, `, ~, | and \\ split words.',
  'The [MASK] sat on the mat. [SEP] Then it left.',
  `supercalifragilistic${'x'.repeat(90)} is too long`,
  'Emoji 🙂 and math 𝔘 become unknown.',
  'ALL CAPS SHOUTING, MiXeD CaSe.',
  'こんにちは世界',
  '',
];

describe('loadTokenizerJson with a BERT tokenizer.json', () => {
  const wordPiece = WordPieceTokenizer.fromVocabText(VOCAB_TEXT);

  it.each(['TemplateProcessing', 'BertProcessing'] as const)('matches WordPiece ids with %s', async (processor) => {
    const tokenizer = await loadTokenizerJson(bertTokenizerJson(processor));
    for (const sentence of SENTENCES) {
      expect({ sentence, ids: tokenizer.encode(sentence).inputIds }).toEqual({ sentence, ids: wordPiece.encode(sentence).inputIds });
    }
  });

  it('matches WordPiece on text pairs, truncation and padding', async () => {
    const tokenizer = await loadTokenizerJson(bertTokenizerJson('TemplateProcessing'));
    const options = { maxLength: 24, padding: 'max_length' as const, truncation: 'longest_first' as const };
    for (let i = 0; i + 1 < SENTENCES.length; i++) {
      const expected = wordPiece.encode(SENTENCES[i], SENTENCES[i + 1], options);
      const actual = tokenizer.encode(SENTENCES[i], SENTENCES[i + 1], options);
      expect(actual.inputIds).toEqual(expected.inputIds);
      expect(actual.tokenTypeIds).toEqual(expected.tokenTypeIds);
      expect(actual.attentionMask).toEqual(expected.attentionMask);
      expect(actual.inputIds.length).toBe(24);
    }
  });

  it('reports the vocabulary and special ids', async () => {
    const tokenizer = await loadTokenizerJson(bertTokenizerJson('BertProcessing'));
    expect(tokenizer.vocabSize).toBe(30522);
    expect(tokenizer.padTokenId).toBe(0);
    expect(tokenizer.tokenToId('[CLS]')).toBe(101);
    expect(tokenizer.idToToken(103)).toBe('[MASK]');
    expect(tokenizer.modelMaxLength).toBe(512);
    expect(tokenizer.tokenize('unaffable')).toEqual(['una', '##ffa', '##ble']);
  });

  it('decodes like the WordPiece tokenizer', async () => {
    const tokenizer = await loadTokenizerJson(bertTokenizerJson('TemplateProcessing'));
    const ids = wordPiece.encode("Hello, unaffable world! It's fine.").inputIds;
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe("hello, unaffable world! it's fine.");
    expect(tokenizer.decode([])).toBe('');
    expect(() => tokenizer.decode([999999])).toThrow(InvalidArgumentError);
  });

  it('reads tokenizer.json and tokenizer_config.json from paths', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'peftjs-tokenizer-json-'));
    try {
      const jsonPath = join(directory, 'tokenizer.json');
      const configPath = join(directory, 'tokenizer_config.json');
      writeFileSync(jsonPath, JSON.stringify(bertTokenizerJson('TemplateProcessing')));
      writeFileSync(configPath, JSON.stringify({ model_max_length: 128, pad_token: '[PAD]', do_lower_case: true }));
      const tokenizer = await loadTokenizerJson(jsonPath, { tokenizerConfig: configPath });
      expect(tokenizer.modelMaxLength).toBe(128);
      expect(tokenizer.encode('hello world').inputIds).toEqual([101, 7592, 2088, 102]);
      expect(tokenizer.encode('word '.repeat(200), null, { truncation: true }).inputIds.length).toBe(128);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('ignores the unset model_max_length sentinel', async () => {
    const tokenizer = await loadTokenizerJson(bertTokenizerJson('TemplateProcessing'), {
      tokenizerConfig: { model_max_length: 1e30 },
    });
    expect(tokenizer.modelMaxLength).toBe(512);
  });

  it('raises typed errors for broken files', async () => {
    await expect(loadTokenizerJson('{ not json')).rejects.toThrow(CheckpointFormatError);
    await expect(loadTokenizerJson({ version: '1.0' })).rejects.toThrow(/no "model"/);
    await expect(loadTokenizerJson({ model: { type: 'WordPiece' } })).rejects.toThrow(/no "vocab"/);
    const unknownNormalizer = { ...bertTokenizerJson('BertProcessing'), normalizer: { type: 'Telepathy' } };
    await expect(loadTokenizerJson(unknownNormalizer)).rejects.toThrow(CheckpointFormatError);
    await expect(loadTokenizerJson('/nonexistent/tokenizer.json')).rejects.toThrow(/nonexistent/);
  });
});
