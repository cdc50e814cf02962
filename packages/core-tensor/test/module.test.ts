import * as tf from '@tensorflow/tfjs';

import { initBackend, InvalidArgumentError, Linear, Module, ModuleList, Parameter } from '../src';
import { bytesOf } from './helpers/close';
import { countLeakedTensors } from './helpers/memory';
import { ParameterBag, ToyBlock, ToyModel } from './helpers/toy-modules';

beforeAll(async () => {
  await initBackend();
});

// Written out by hand from ToyModel's constructor: registration order, depth first.
const TOY_PARAMETER_PATHS = [
  'input.weight',
  'input.bias',
  'layers.0.proj.weight',
  'layers.0.proj.bias',
  'layers.0.norm.weight',
  'layers.0.norm.bias',
  'layers.1.proj.weight',
  'layers.1.proj.bias',
  'layers.1.norm.weight',
  'layers.1.norm.bias',
  'head.weight',
];

const TOY_MODULE_PATHS = [
  '',
  'input',
  'layers',
  'layers.0',
  'layers.0.proj',
  'layers.0.norm',
  'layers.0.dropout',
  'layers.1',
  'layers.1.proj',
  'layers.1.norm',
  'layers.1.dropout',
  'head',
];

// dim 4: each Linear(4, 4) has 16 + 4 values, each LayerNorm(4) 4 + 4, the head 2 × 4.
const INPUT_SIZE = 20;
const BLOCK_SIZE = 20 + 8;
const HEAD_SIZE = 8;

describe('Module parameter paths', () => {
  let model: ToyModel;

  beforeEach(() => {
    model = new ToyModel(4, 2);
  });

  afterEach(() => {
    model.dispose();
  });

  it('lists dotted paths in registration order', () => {
    expect([...model.namedParameters().keys()]).toEqual(TOY_PARAMETER_PATHS);
  });

  it('prepends a prefix to every path', () => {
    const paths = [...model.namedParameters('model').keys()];

    expect(paths).toEqual(TOY_PARAMETER_PATHS.map((p) => `model.${p}`));
  });

  it('maps paths to the owning layers', () => {
    const named = model.namedParameters();

    expect(named.get('layers.1.proj.weight')).toBe(model.layers.at(1).proj.weight);
    expect(named.get('head.weight')).toBe(model.head.weight);
    expect(model.parameters()).toEqual([...named.values()]);
  });

  it('keeps non-alphabetical registration order', () => {
    const bag = new ParameterBag();
    bag.add('zeta', tf.zeros([1]));
    bag.add('alpha', tf.zeros([1]));
    bag.add('mid', tf.zeros([1]));

    expect([...bag.namedParameters().keys()]).toEqual(['zeta', 'alpha', 'mid']);
    bag.dispose();
  });
});

describe('ModuleList', () => {
  it('names entries 0, 1, 2 in push order', () => {
    const list = new ModuleList<Linear>();
    const layers = [new Linear(2, 2), new Linear(2, 3), new Linear(2, 4)];
    for (const layer of layers) list.push(layer);

    expect([...list.namedChildren()].map(([name]) => name)).toEqual(['0', '1', '2']);
    expect(list.length).toBe(3);
    expect([...list]).toEqual(layers);
    expect(list.at(2)).toBe(layers[2]);
    expect(list.getModule('1')).toBe(layers[1]);
    expect([...list.namedParameters().keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']);
    list.dispose();
  });

  it('rejects an index outside the list', () => {
    const list = new ModuleList();
    list.push(new Linear(2, 2));

    expect(() => list.at(1)).toThrow(InvalidArgumentError);
    expect(() => list.at(-1)).toThrow(InvalidArgumentError);
    expect(() => list.at(1)).toThrow(/Index 1 .* 1 modules/);
    list.dispose();
  });
});

describe('Module tree navigation', () => {
  let model: ToyModel;

  beforeEach(() => {
    model = new ToyModel(4, 2);
  });

  afterEach(() => {
    model.dispose();
  });

  it('finds submodules by dotted path', () => {
    expect(model.getSubmodule('layers.1.proj')).toBe(model.layers.at(1).proj);
    expect(model.getSubmodule('layers')).toBe(model.layers);
    expect(model.getSubmodule('')).toBe(model);
  });

  it('names the missing segment of a bad path', () => {
    expect(() => model.getSubmodule('layers.7.proj')).toThrow(InvalidArgumentError);
    expect(() => model.getSubmodule('layers.7.proj')).toThrow(/no child "7"/);
    expect(() => model.getSubmodule('layers.0.proj.weight')).toThrow(/no child "weight"/);
  });

  it('lists every module depth first', () => {
    const entries = [...model.namedModules()];

    expect(entries.map(([path]) => path)).toEqual(TOY_MODULE_PATHS);
    for (const [path, module] of entries) expect(model.getSubmodule(path)).toBe(module);
  });

  it('prefixes module paths', () => {
    const paths = [...model.namedModules('bert')].map(([path]) => path);

    expect(paths[0]).toBe('bert');
    expect(paths[4]).toBe('bert.layers.0.proj');
  });

  it('removes a child and its parameters', () => {
    const head = model.removeModule('head');

    expect(head).toBeInstanceOf(Linear);
    expect(model.getModule('head')).toBeUndefined();
    expect([...model.namedParameters().keys()]).toEqual(TOY_PARAMETER_PATHS.slice(0, -1));
    expect(head.parameters().every((p) => !p.variable.isDisposed)).toBe(true);
    head.dispose();
  });

  it('lists children for an unknown removal', () => {
    expect(() => model.removeModule('decoder')).toThrow(InvalidArgumentError);
    expect(() => model.removeModule('decoder')).toThrow(/input, layers, head/);
  });
});

describe('Module training mode', () => {
  it('propagates train() and eval() to every descendant', () => {
    const model = new ToyModel(4, 2);
    const modules = () => [...model.namedModules()].map(([, module]) => module);

    expect(modules().every((m) => m.training)).toBe(true);
    expect(model.eval()).toBe(model);
    expect(modules().every((m) => !m.training)).toBe(true);
    model.train();
    expect(modules().every((m) => m.training)).toBe(true);
    model.train(false);
    expect(modules().every((m) => !m.training)).toBe(true);
    model.dispose();
  });

  it('affects only its subtree', () => {
    const model = new ToyModel(4, 2);
    model.layers.at(0).eval();

    expect(model.layers.at(0).dropout.training).toBe(false);
    expect(model.layers.at(1).dropout.training).toBe(true);
    expect(model.training).toBe(true);
    model.dispose();
  });

  it('gives a new child the parent mode', () => {
    const list = new ModuleList<ToyBlock>();
    list.eval();
    const block = list.push(new ToyBlock(4, 0));

    expect(block.training).toBe(false);
    expect(block.dropout.training).toBe(false);
    list.dispose();
  });

  it('makes dropout the identity in eval mode', () => {
    const model = new ToyModel(4, 1).eval();
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 5);
    const first = model.apply(x);
    const second = model.apply(x);

    expect(bytesOf(first)).toEqual(bytesOf(second));
    tf.dispose([x, first, second]);
    model.dispose();
  });
});

describe('Module trainable flags', () => {
  let model: ToyModel;

  beforeEach(() => {
    model = new ToyModel(4, 2);
  });

  afterEach(() => {
    model.dispose();
  });

  it('starts with every parameter trainable', () => {
    expect(model.trainableParameters()).toEqual(model.parameters());
    expect(model.countParameters()).toBe(INPUT_SIZE + 2 * BLOCK_SIZE + HEAD_SIZE);
    expect(model.countParameters({ trainableOnly: true })).toBe(INPUT_SIZE + 2 * BLOCK_SIZE + HEAD_SIZE);
  });

  it('freezes the tree and unfreezes one subtree', () => {
    model.setTrainable(false);
    model.layers.at(1).setTrainable(true);
    const named = model.namedParameters();
    const expected = TOY_PARAMETER_PATHS.filter((p) => p.startsWith('layers.1.')).map((p) => named.get(p));

    expect(model.trainableParameters()).toEqual(expected);
    expect(model.countParameters({ trainableOnly: true })).toBe(BLOCK_SIZE);
    expect(model.countParameters()).toBe(INPUT_SIZE + 2 * BLOCK_SIZE + HEAD_SIZE);
  });

  it('mirrors the flag on the tfjs variable', () => {
    const weight = model.head.weight;
    weight.trainable = false;

    expect(weight.variable.trainable).toBe(false);
    weight.trainable = true;
    expect(weight.variable.trainable).toBe(true);
    expect(new Parameter(tf.zeros([2]), false).variable.trainable).toBe(false);
  });
});

describe('Module.loadParameters', () => {
  let model: ToyModel;

  beforeEach(() => {
    model = new ToyModel(4, 2);
  });

  afterEach(() => {
    model.dispose();
  });

  it('assigns from a Map or record', () => {
    const head = tf.fill([2, 4], 0.25);
    const bias = tf.tensor1d([1, 2, 3, 4]);
    model.loadParameters(new Map([['head.weight', head]]));
    model.loadParameters({ 'layers.1.norm.bias': bias });

    expect(Array.from(model.head.weight.value.dataSync())).toEqual(new Array(8).fill(0.25));
    expect(Array.from(model.layers.at(1).norm.bias.value.dataSync())).toEqual([1, 2, 3, 4]);
    // The caller keeps ownership of the source tensors.
    expect(head.isDisposed).toBe(false);
    tf.dispose([head, bias]);
  });

  it('rejects an unknown path without assigning anything', () => {
    const before = Array.from(model.head.weight.value.dataSync());
    const values = { 'head.weight': tf.ones([2, 4]), 'layers.2.proj.weight': tf.ones([4, 4]) };

    expect(() => model.loadParameters(values)).toThrow(InvalidArgumentError);
    expect(() => model.loadParameters(values)).toThrow(/unexpected parameter "layers\.2\.proj\.weight"/);
    expect(Array.from(model.head.weight.value.dataSync())).toEqual(before);
    tf.dispose(Object.values(values));
  });

  it('rejects a wrong shape without assigning anything', () => {
    const before = Array.from(model.input.bias!.value.dataSync());
    const values = new Map([
      ['input.bias', tf.ones([4])],
      ['head.weight', tf.ones([4, 2])],
    ]);

    expect(() => model.loadParameters(values)).toThrow(InvalidArgumentError);
    expect(() => model.loadParameters(values)).toThrow(/"head\.weight" has shape \[4,2\] but the module expects \[2,4\]/);
    expect(Array.from(model.input.bias!.value.dataSync())).toEqual(before);
    tf.dispose([...values.values()]);
  });

  it('rejects a wrong dtype without assigning anything', () => {
    const before = Array.from(model.input.bias!.value.dataSync());
    const values = new Map([
      ['input.bias', tf.ones([4])],
      ['head.weight', tf.ones([2, 4], 'int32')],
    ]);

    expect(() => model.loadParameters(values)).toThrow(InvalidArgumentError);
    expect(() => model.loadParameters(values)).toThrow(/"head\.weight" has dtype int32/);
    expect(Array.from(model.input.bias!.value.dataSync())).toEqual(before);
    tf.dispose([...values.values()]);
  });
});

describe('Module name validation', () => {
  it.each(['', 'a.b', 'q-proj', 'layer 0', 'bäse', '../x'])('rejects the name %j', (name) => {
    const bag = new ParameterBag();
    const value = tf.zeros([1]);

    expect(() => bag.registerModule(name, new ParameterBag())).toThrow(InvalidArgumentError);
    expect(() => bag.add(name, value)).toThrow(InvalidArgumentError);
    bag.dispose();
    value.dispose();
  });

  it('accepts letters, digits and underscores', () => {
    const bag = new ParameterBag();
    bag.add('lora_A', tf.zeros([1]));
    bag.registerModule('0', new ParameterBag());
    bag.registerModule('Layer_12', new ParameterBag());

    expect([...bag.namedModules()].map(([path]) => path)).toEqual(['', '0', 'Layer_12']);
    bag.dispose();
  });

  it('rejects a name that is already taken', () => {
    const bag = new ParameterBag();
    bag.add('weight', tf.zeros([1]));
    bag.registerModule('child', new ParameterBag());
    const value = tf.zeros([1]);

    expect(() => bag.add('weight', value)).toThrow(/"weight" is already registered/);
    expect(() => bag.add('child', value)).toThrow(InvalidArgumentError);
    expect(() => bag.registerModule('weight', new ParameterBag())).toThrow(InvalidArgumentError);
    value.dispose();
    bag.dispose();
  });
});

describe('Module.dispose', () => {
  it('frees a tree after a forward pass', () => {
    const leaked = countLeakedTensors(() => {
      const model = new ToyModel(8, 3);
      const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 3);
      const y = model.apply(x);
      expect(y.shape).toEqual([2, 5, 2]);
      tf.dispose([x, y]);
      model.dispose();
    });

    expect(leaked).toBe(0);
  });

  it('disposes variables and tolerates repeats', () => {
    const model = new ToyModel(4, 1);
    const parameters = model.parameters();
    model.dispose();

    expect(parameters.every((p) => p.variable.isDisposed)).toBe(true);
    expect(() => model.dispose()).not.toThrow();
  });

  it('gives Parameter ownership of its value', () => {
    const value = tf.ones([3]);
    const leaked = countLeakedTensors(() => new Parameter(value).dispose());

    expect(value.isDisposed).toBe(true);
    // The value was allocated before counting and freed inside, so the count drops by one.
    expect(leaked).toBe(-1);
  });
});

describe('empty Module', () => {
  it('has no parameters', () => {
    class Empty extends Module {}
    const empty = new Empty();

    expect(empty.parameters()).toEqual([]);
    expect(empty.countParameters()).toBe(0);
    expect([...empty.namedModules()]).toEqual([['', empty]]);
  });
});
