import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CheckpointFormatError, InvalidArgumentError } from '@peftjs/core-tensor';

import { BasicTokenizer, WordPieceTokenizer, parseVocab, wordPieceSplit } from '../src/bert';

const VOCAB_PATH = join(__dirname, 'fixtures', 'bert', 'vocab.txt');
const VOCAB_TEXT = readFileSync(VOCAB_PATH, 'utf8');
const VOCAB_LINES = VOCAB_TEXT.split('\n');

/** Looks a token up in the raw file, independently of the tokenizer: its id is its line index. */
function lineOf(token: string): number {
  const index = VOCAB_LINES.indexOf(token);
  if (index < 0) throw new Error(`test setup: "${token}" is not in vocab.txt`);
  return index;
}

describe('WordPieceTokenizer on the BERT uncased vocabulary', () => {
  const tokenizer = WordPieceTokenizer.fromVocabText(VOCAB_TEXT);

  it('loads all 30,522 entries', () => {
    expect(tokenizer.vocabSize).toBe(30522);
  });

  it('maps special tokens to their standard ids', () => {
    expect(tokenizer.tokenToId('[PAD]')).toBe(0);
    expect(tokenizer.tokenToId('[UNK]')).toBe(100);
    expect(tokenizer.tokenToId('[CLS]')).toBe(101);
    expect(tokenizer.tokenToId('[SEP]')).toBe(102);
    expect(tokenizer.tokenToId('[MASK]')).toBe(103);
    expect(tokenizer.padTokenId).toBe(0);
    expect(tokenizer.idToToken(101)).toBe('[CLS]');
  });

  it('splits unaffable into una ##ffa ##ble', () => {
    expect(tokenizer.tokenize('unaffable')).toEqual(['una', '##ffa', '##ble']);
  });

  it('encodes a sentence with [CLS] and [SEP]', () => {
    const encoding = tokenizer.encode('Hello world');
    expect(encoding.inputIds).toEqual([101, 7592, 2088, 102]);
    expect(encoding.tokenTypeIds).toEqual([0, 0, 0, 0]);
    expect(encoding.attentionMask).toEqual([1, 1, 1, 1]);
    expect(encoding.tokens).toEqual(['[CLS]', 'hello', 'world', '[SEP]']);
  });

  it('lower-cases and strips accents', () => {
    expect(tokenizer.tokenize('Naïve CAFÉ')).toEqual(['naive', 'cafe']);
    expect(tokenizer.tokenize('nai\u0308ve')).toEqual(['naive']);
  });

  it('keeps case and accents when doLowerCase is false', () => {
    const cased = WordPieceTokenizer.fromVocabText(VOCAB_TEXT, { doLowerCase: false });
    // The uncased vocabulary has no capital letters and no "é", so these words are unknown.
    expect(cased.tokenize('Hello')).toEqual(['[UNK]']);
    expect(cased.tokenize('café')).toEqual(['[UNK]']);
    expect(cased.tokenize('hello')).toEqual(['hello']);
  });

  it('strips accents without lower-casing when asked', () => {
    const basic = new BasicTokenizer({ doLowerCase: false, stripAccents: true });
    expect(basic.tokenize('Café Über')).toEqual(['Cafe', 'Uber']);
  });

  it('splits ASCII and Unicode punctuation into separate tokens', () => {
    expect(tokenizer.tokenize('Hello, world!')).toEqual(['hello', ',', 'world', '!']);
    // $, + and ^ are Unicode symbols, not punctuation, but BERT treats all printable ASCII
    // non-alphanumerics as punctuation.
    expect(tokenizer.tokenize('$5+3^2')).toEqual(['$', '5', '+', '3', '^', '2']);
    expect(tokenizer.tokenize('«quoi»')).toEqual(['«', 'quo', '##i', '»']);
    expect(tokenizer.tokenize('¿que?')).toEqual(['¿', 'que', '?']);
    expect(tokenizer.tokenize('a—b')).toEqual(['a', '—', 'b']);
  });

  it('puts each CJK ideograph in its own token', () => {
    expect(tokenizer.tokenize('中国人')).toEqual(['中', '国', '人']);
    expect(tokenizer.tokenize('日本語abc')).toEqual(['日', '本', '語', 'abc']);
  });

  it('does not split hiragana by character before WordPiece', () => {
    // Hiragana is outside the CJK ideograph blocks, so the word goes to WordPiece whole.
    expect(tokenizer.tokenize('こんにちは')).toEqual(['こ', '##ん', '##に', '##ち', '##は']);
  });

  it('maps words of more than 100 characters to [UNK]', () => {
    expect(tokenizer.tokenize('a'.repeat(101))).toEqual(['[UNK]']);
    const hundred = tokenizer.tokenize('a'.repeat(100));
    expect(hundred).not.toContain('[UNK]');
    expect(hundred.map((t) => t.replace('##', '')).join('')).toBe('a'.repeat(100));
    expect(tokenizer.tokenize(`ok ${'b'.repeat(150)} ok`)).toEqual(['ok', '[UNK]', 'ok']);
  });

  it('maps words with unknown characters to [UNK]', () => {
    expect(tokenizer.tokenize('hello x\u{1D518}y world')).toEqual(['hello', '[UNK]', 'world']);
  });

  it('drops control characters, NUL and U+FFFD', () => {
    expect(tokenizer.tokenize('hel\u0000lo')).toEqual(['hello']);
    expect(tokenizer.tokenize('hel\ufffdlo')).toEqual(['hello']);
    expect(tokenizer.tokenize('hel\u0007lo wor\u200bld')).toEqual(['hello', 'world']);
    expect(tokenizer.tokenize('\u0000\ufffd\u0001')).toEqual([]);
  });

  it('treats tabs, newlines and Unicode spaces as word breaks', () => {
    expect(tokenizer.tokenize('hello\tworld\r\nagain')).toEqual(['hello', 'world', 'again']);
    expect(tokenizer.tokenize('hello\u00a0world\u3000again')).toEqual(['hello', 'world', 'again']);
    expect(tokenizer.tokenize('hello\u2028world')).toEqual(['hello', 'world']);
    expect(tokenizer.tokenize('   ')).toEqual([]);
  });

  it('keeps special tokens written in the text', () => {
    const encoding = tokenizer.encode('the [MASK] sat');
    expect(encoding.inputIds).toEqual([101, lineOf('the'), 103, lineOf('sat'), 102]);
    expect(tokenizer.tokenize('a[SEP]b')).toEqual(['a', '[SEP]', 'b']);
  });

  it('encodes a text pair with segment ids', () => {
    const encoding = tokenizer.encode('hello', 'running world');
    expect(encoding.tokens).toEqual(['[CLS]', 'hello', '[SEP]', 'running', 'world', '[SEP]']);
    expect(encoding.inputIds).toEqual([101, 7592, 102, lineOf('running'), 2088, 102]);
    expect(encoding.tokenTypeIds).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('leaves out special tokens when addSpecialTokens is false', () => {
    expect(tokenizer.encode('hello world', null, { addSpecialTokens: false }).inputIds).toEqual([7592, 2088]);
  });

  it('pads to maxLength on the right', () => {
    const encoding = tokenizer.encode('hello', null, { maxLength: 6, padding: 'max_length' });
    expect(encoding.inputIds).toEqual([101, 7592, 102, 0, 0, 0]);
    expect(encoding.attentionMask).toEqual([1, 1, 1, 0, 0, 0]);
    expect(encoding.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0]);
    expect(encoding.tokens.slice(3)).toEqual(['[PAD]', '[PAD]', '[PAD]']);
  });

  it('truncates a single text to maxLength', () => {
    const encoding = tokenizer.encode('one two three four five', null, { maxLength: 5 });
    expect(encoding.tokens).toEqual(['[CLS]', 'one', 'two', 'three', '[SEP]']);
  });

  it('truncates the longer text of a pair first', () => {
    const encoding = tokenizer.encode('a b c d e f', 'x y', { maxLength: 9, truncation: 'longest_first' });
    // 6 + 2 + 3 special = 11 tokens, so 2 go, both from the longer first text.
    expect(encoding.tokens).toEqual(['[CLS]', 'a', 'b', 'c', 'd', '[SEP]', 'x', 'y', '[SEP]']);
    const tie = tokenizer.encode('a b c', 'x y z', { maxLength: 8 });
    // Equal lengths: transformers removes from the second text first.
    expect(tie.tokens).toEqual(['[CLS]', 'a', 'b', 'c', '[SEP]', 'x', 'y', '[SEP]']);
  });

  it('truncates one text with only_first/only_second', () => {
    const onlySecond = tokenizer.encode('a b c d', 'x y z', { maxLength: 8, truncation: 'only_second' });
    expect(onlySecond.tokens).toEqual(['[CLS]', 'a', 'b', 'c', 'd', '[SEP]', 'x', '[SEP]']);
    const onlyFirst = tokenizer.encode('a b c d', 'x y z', { maxLength: 8, truncation: 'only_first' });
    expect(onlyFirst.tokens).toEqual(['[CLS]', 'a', 'b', '[SEP]', 'x', 'y', 'z', '[SEP]']);
    expect(() => tokenizer.encode('a', 'x y z w', { maxLength: 5, truncation: 'only_first' })).toThrow(/only_first/);
  });

  it('keeps long text when truncation is off', () => {
    const encoding = tokenizer.encode('one two three four five', null, { maxLength: 4, truncation: false });
    expect(encoding.inputIds.length).toBe(7);
  });

  it('pads a batch to its longest encoding', () => {
    const batch = tokenizer.encodeBatch(['hello', 'hello world again and again', ['hello', 'world']], { padding: 'longest' });
    expect(batch.map((e) => e.inputIds.length)).toEqual([7, 7, 7]);
    expect(batch[0].attentionMask).toEqual([1, 1, 1, 0, 0, 0, 0]);
    expect(batch[0].inputIds.slice(3)).toEqual([0, 0, 0, 0]);
    expect(batch[1].attentionMask).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(batch[2].tokenTypeIds).toEqual([0, 0, 0, 1, 1, 0, 0]);
    expect(batch[2].attentionMask).toEqual([1, 1, 1, 1, 1, 0, 0]);
  });

  it('decodes ids back to text', () => {
    const ids = tokenizer.encode("Hello, unaffable world! It's fine.").inputIds;
    expect(tokenizer.decode(ids)).toBe("[CLS] hello, unaffable world! it's fine. [SEP]");
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe("hello, unaffable world! it's fine.");
    expect(tokenizer.decode(ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false })).toBe(
      "hello , unaffable world ! it ' s fine .",
    );
    expect(tokenizer.decode([])).toBe('');
  });

  it('raises typed errors for bad input', () => {
    expect(() => tokenizer.decode([30522])).toThrow(InvalidArgumentError);
    expect(() => tokenizer.decode([30522])).toThrow(/30522/);
    expect(() => tokenizer.encode('hi', null, { maxLength: 0 })).toThrow(InvalidArgumentError);
    expect(() => tokenizer.encode('hi there', null, { maxLength: 2 })).toThrow(/special tokens/);
    expect(() => tokenizer.encode('hi', null, { padding: 'sideways' as never })).toThrow(/padding strategy/);
    expect(() => tokenizer.tokenize(42 as never)).toThrow(InvalidArgumentError);
    expect(() => tokenizer.encodeBatch([['a'] as never])).toThrow(/Input 0/);
  });

  it('reads the vocabulary from a path', async () => {
    const fromPath = await WordPieceTokenizer.fromVocab(VOCAB_PATH);
    expect(fromPath.tokenize('unaffable')).toEqual(['una', '##ffa', '##ble']);
    await expect(WordPieceTokenizer.fromVocab('/nonexistent/vocab.txt')).rejects.toThrow(/nonexistent/);
  });
});

describe('parseVocab', () => {
  it('numbers tokens by line and accepts CRLF', () => {
    const vocab = parseVocab('[PAD]\r\n[UNK]\r\nhello\r\n');
    expect([...vocab.entries()]).toEqual([
      ['[PAD]', 0],
      ['[UNK]', 1],
      ['hello', 2],
    ]);
  });

  it('rejects an empty vocabulary', () => {
    expect(() => parseVocab('')).toThrow(CheckpointFormatError);
  });

  it('requires the special tokens in the tokenizer', () => {
    expect(() => WordPieceTokenizer.fromVocabText('[PAD]\nhello\n')).toThrow(CheckpointFormatError);
    expect(() => WordPieceTokenizer.fromVocabText('[PAD]\nhello\n')).toThrow(/"\[UNK\]", "\[CLS\]", "\[SEP\]"/);
  });
});

describe('wordPieceSplit', () => {
  const vocab = new Map(['un', '##aff', '##able', 'a', '##b'].map((t, i) => [t, i]));

  it('takes the longest prefix first', () => {
    expect(wordPieceSplit('unaffable', vocab, '[UNK]')).toEqual(['un', '##aff', '##able']);
  });

  it('returns the unknown token when a piece is missing', () => {
    expect(wordPieceSplit('unaffablex', vocab, '[UNK]')).toEqual(['[UNK]']);
  });

  it('counts the length limit in code points', () => {
    expect(wordPieceSplit('abbb', vocab, '[UNK]', 4)).toEqual(['a', '##b', '##b', '##b']);
    expect(wordPieceSplit('abbbb', vocab, '[UNK]', 4)).toEqual(['[UNK]']);
  });
});
