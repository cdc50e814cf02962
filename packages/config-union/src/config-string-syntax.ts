import { ConfigError } from '@peftjs/core-tensor';

/**
 * The syntax of config strings such as `lora[r=8,alpha=16]|prefix_tuning`: members separated by
 * `|`, each a preset name with optional `[key=value,...]` overrides. Values are numbers, `true` /
 * `false`, `null`, quoted strings (`'...'` or `"..."`), bare words (read as strings, e.g. `tanh`)
 * and lists in brackets (`[q,v]`). Spaces around tokens are allowed.
 */

/** A value written in a config string. */
export type ConfigStringValue = number | boolean | string | null | ConfigStringValue[];

/** One `key=value` override, with the offsets of its key and value in the string. */
export interface ConfigStringArgument {
  readonly key: string;
  readonly keyOffset: number;
  readonly value: ConfigStringValue;
  readonly valueOffset: number;
}

/** One member of a config string: a preset name and its overrides. */
export interface ConfigStringItem {
  readonly name: string;
  /** Offset of the name in the string. */
  readonly offset: number;
  readonly arguments: readonly ConfigStringArgument[];
}

/**
 * Returns a {@link ConfigError} whose message shows `text` with a caret under `offset`.
 *
 * @param text The whole config string.
 * @param offset Position of the problem (0-based; `text.length` for the end).
 * @param message What is wrong and how to fix it.
 */
export function configStringError(text: string, offset: number, message: string): ConfigError {
  return new ConfigError(`Invalid config string at column ${offset + 1}: ${message}\n  ${text}\n  ${' '.repeat(offset)}^`);
}

const NAME = /[A-Za-z0-9_+\-.]/;
const KEY_START = /[A-Za-z_]/;
const KEY = /[A-Za-z0-9_]/;
const BARE = /[^\s,[\]|='"]/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A recursive-descent reader over one config string. */
class Reader {
  private position = 0;

  constructor(private readonly text: string) {}

  items(): ConfigStringItem[] {
    const items = [this.item()];
    this.skipSpaces();
    while (this.peek() === '|') {
      this.position += 1;
      items.push(this.item());
      this.skipSpaces();
    }
    if (this.position < this.text.length) {
      throw this.error(this.position, `unexpected "${this.peek()}"; separate members with "|" and put overrides in [key=value,...]`);
    }
    return items;
  }

  private item(): ConfigStringItem {
    this.skipSpaces();
    const offset = this.position;
    const name = this.readWhile(NAME);
    if (name === '') {
      throw this.error(offset, `expected a preset name such as lora or prefix_tuning, found ${this.describeHere()}`);
    }
    this.skipSpaces();
    const args = this.peek() === '[' ? this.argumentList() : [];
    return { name, offset, arguments: args };
  }

  private argumentList(): ConfigStringArgument[] {
    const open = this.position;
    this.position += 1;
    const args: ConfigStringArgument[] = [];
    this.skipSpaces();
    if (this.peek() === ']') {
      this.position += 1;
      return args;
    }
    for (;;) {
      this.skipSpaces();
      const keyOffset = this.position;
      if (!KEY_START.test(this.peek())) {
        if (this.atEnd()) throw this.unclosed(open);
        throw this.error(keyOffset, `expected a key such as r or prefix_length, found ${this.describeHere()}`);
      }
      const key = this.readWhile(KEY);
      this.skipSpaces();
      if (this.peek() !== '=') {
        if (this.atEnd()) throw this.unclosed(open);
        throw this.error(this.position, `expected "=" after the key "${key}", found ${this.describeHere()}`);
      }
      this.position += 1;
      this.skipSpaces();
      const valueOffset = this.position;
      const value = this.value(open);
      args.push({ key, keyOffset, value, valueOffset });
      this.skipSpaces();
      const next = this.peek();
      if (next === ',') {
        this.position += 1;
        continue;
      }
      if (next === ']') {
        this.position += 1;
        return args;
      }
      if (this.atEnd()) throw this.unclosed(open);
      throw this.error(this.position, `expected "," or "]" after the value of "${key}", found ${this.describeHere()}`);
    }
  }

  private value(enclosing: number): ConfigStringValue {
    const start = this.position;
    const first = this.peek();
    if (first === '[') return this.list();
    if (first === '"' || first === "'") return this.quoted();
    const word = this.readWhile(BARE);
    if (word === '') {
      if (this.atEnd()) throw this.unclosed(enclosing);
      throw this.error(start, `expected a value (number, true, false, null, word, 'string' or [list]), found ${this.describeHere()}`);
    }
    if (NUMBER.test(word)) return Number(word);
    if (word === 'true' || word === 'True') return true;
    if (word === 'false' || word === 'False') return false;
    if (word === 'null' || word === 'None') return null;
    return word;
  }

  private list(): ConfigStringValue[] {
    const open = this.position;
    this.position += 1;
    const items: ConfigStringValue[] = [];
    this.skipSpaces();
    if (this.peek() === ']') {
      this.position += 1;
      return items;
    }
    for (;;) {
      this.skipSpaces();
      items.push(this.value(open));
      this.skipSpaces();
      const next = this.peek();
      if (next === ',') {
        this.position += 1;
        continue;
      }
      if (next === ']') {
        this.position += 1;
        return items;
      }
      if (this.atEnd()) throw this.unclosed(open);
      throw this.error(this.position, `expected "," or "]" in the list, found ${this.describeHere()}`);
    }
  }

  private quoted(): string {
    const open = this.position;
    const quote = this.text[open];
    const end = this.text.indexOf(quote, open + 1);
    if (end < 0) throw this.error(open, `the string opened here has no closing ${quote}`);
    this.position = end + 1;
    return this.text.slice(open + 1, end);
  }

  private unclosed(open: number): ConfigError {
    return this.error(open, 'the "[" opened here is never closed; add "]"');
  }

  private readWhile(pattern: RegExp): string {
    const start = this.position;
    while (this.position < this.text.length && pattern.test(this.text[this.position])) this.position += 1;
    return this.text.slice(start, this.position);
  }

  private skipSpaces(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position])) this.position += 1;
  }

  private peek(): string {
    return this.text[this.position] ?? '';
  }

  private atEnd(): boolean {
    return this.position >= this.text.length;
  }

  private describeHere(): string {
    return this.atEnd() ? 'the end of the string' : `"${this.peek()}"`;
  }

  private error(offset: number, message: string): ConfigError {
    return configStringError(this.text, offset, message);
  }
}

/**
 * Splits a config string into its members and overrides without looking presets up. Syntax
 * errors raise a {@link ConfigError} showing the string with a caret at the problem.
 *
 * @param text The config string, e.g. `lora[r=8,attn_matrices=[q,v]]|prefix_tuning`.
 */
export function parseConfigStringSyntax(text: string): ConfigStringItem[] {
  return new Reader(text).items();
}
