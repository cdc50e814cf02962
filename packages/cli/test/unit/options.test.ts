import { InvalidArgumentError as CommanderArgumentError } from 'commander';

import {
  fraction,
  integer,
  nonNegativeInteger,
  nonNegativeNumber,
  positiveInteger,
  positiveNumber,
  probability,
} from '../../src/options';

type Parser = (value: string) => number;

const cases: { name: string; parse: Parser; valid: [string, number][]; invalid: string[]; expected: string }[] = [
  {
    name: 'positiveInteger',
    parse: positiveInteger,
    valid: [['1', 1], ['150', 150], ['1e3', 1000]],
    invalid: ['0', '-1', '2.5', 'ten', '', ' '],
    expected: 'expected a positive integer',
  },
  {
    name: 'nonNegativeInteger',
    parse: nonNegativeInteger,
    valid: [['0', 0], ['50', 50]],
    invalid: ['-1', '0.5', 'x', ''],
    expected: 'expected a non-negative integer',
  },
  {
    name: 'positiveNumber',
    parse: positiveNumber,
    valid: [['3e-3', 0.003], ['1', 1]],
    invalid: ['0', '-0.1', 'Infinity', 'NaN', ''],
    expected: 'expected a positive number',
  },
  {
    name: 'nonNegativeNumber',
    parse: nonNegativeNumber,
    valid: [['0', 0], ['0.7', 0.7]],
    invalid: ['-0.5', 'Infinity', 'warm', ''],
    expected: 'expected a non-negative number',
  },
  {
    name: 'fraction',
    parse: fraction,
    valid: [['0.1', 0.1], ['0.99', 0.99]],
    invalid: ['0', '1', '1.5', '-0.1', 'half', ''],
    expected: 'expected a number between 0 and 1 (exclusive)',
  },
  {
    name: 'probability',
    parse: probability,
    valid: [['1', 1], ['0.9', 0.9]],
    invalid: ['0', '1.01', '-1', ''],
    expected: 'expected a number greater than 0 and at most 1',
  },
  {
    name: 'integer',
    parse: integer,
    valid: [['0', 0], ['-3', -3], ['42', 42]],
    invalid: ['1.5', 'seed', ''],
    expected: 'expected an integer',
  },
];

describe.each(cases)('$name', ({ parse, valid, invalid, expected }) => {
  it.each(valid)('parses "%s"', (text, value) => {
    expect(parse(text)).toBe(value);
  });

  it.each(invalid)('rejects "%s"', (text) => {
    expect(() => parse(text)).toThrow(CommanderArgumentError);
    expect(() => parse(text)).toThrow(`${expected}, got "${text}".`);
  });
});
