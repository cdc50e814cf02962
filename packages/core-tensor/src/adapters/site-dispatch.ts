import * as tf from '@tensorflow/tfjs';

import { ConfigError, ShapeMismatchError } from '../errors';
import type { LayerNorm, RMSNorm } from '../layers/layer-norm';
import type { AttentionState } from '../sites/sites';
import type { AdapterSetup, BatchSplit } from './composition';
import { describeSetup } from './composition';
import type { AttentionAdapterHandler, LinearAdapterHandler, ResidualAdapterHandler } from './method';

/**
 * Runs the active adapter setup at one site. Adapters of the setup that have no handler at the
 * site (because of `leave_out`, or because the method does not act on this kind of site) are
 * skipped there, and so are adapters merged into the base weights.
 */

/** The live state the dispatch functions read on every forward pass. */
export interface DispatchState {
  readonly setup: AdapterSetup;
  /** Adapters folded into the base weights; their handlers must not run again. */
  readonly merged: ReadonlySet<string>;
}

function splitSizes(block: BatchSplit, batch: number): number[] {
  const total = block.batchSizes.reduce((a, b) => a + b, 0);
  if (total !== batch) {
    throw new ShapeMismatchError(
      `${describeSetup(block)} splits a batch of ${total} rows as [${block.batchSizes}] but the input has ${batch} rows; ` +
        'set batchSizes to sum to the batch size.',
    );
  }
  return [...block.batchSizes];
}

function unsupported(kind: string, site: string): never {
  throw new ConfigError(`The ${kind} composition is not supported at ${site} sites; use a single adapter or Stack.`);
}

/** Combines a linear output with an adapter contribution according to the handler's mode. */
function combineLinear(handler: LinearAdapterHandler, output: tf.Tensor, delta: tf.Tensor): tf.Tensor {
  return handler.compositionMode === 'scale' ? tf.mul(output, delta) : tf.add(output, delta);
}

/**
 * Applies `setup` to a linear layer's output `output` computed from `input`.
 * Stack combines the children in order (all from the same input, as LoRA composes); Average
 * mixes the children's contributions with its weights; BatchSplit routes batch slices.
 */
export function dispatchLinear(
  setup: AdapterSetup,
  state: DispatchState,
  handlers: ReadonlyMap<string, LinearAdapterHandler>,
  input: tf.Tensor,
  output: tf.Tensor,
): tf.Tensor {
  if (typeof setup === 'string') {
    const handler = handlers.get(setup);
    if (handler === undefined || state.merged.has(setup)) return output;
    return combineLinear(handler, output, handler.delta(input, output));
  }
  switch (setup.kind) {
    case 'stack':
      return setup.children.reduce((y, child) => dispatchLinear(child, state, handlers, input, y), output);
    case 'average': {
      const parts: { handler: LinearAdapterHandler; weight: number; name: string }[] = [];
      setup.children.forEach((child, i) => {
        if (typeof child !== 'string') unsupported('nested Average', 'linear');
        const handler = handlers.get(child);
        if (handler !== undefined && !state.merged.has(child)) parts.push({ handler, weight: setup.weights[i], name: child });
      });
      if (parts.length === 0) return output;
      const mode = parts[0].handler.compositionMode;
      if (parts.some((p) => p.handler.compositionMode !== mode)) {
        throw new ConfigError(
          `Average mixes adapters with different composition modes (${parts.map((p) => `${p.name}: ${p.handler.compositionMode}`).join(', ')}); average adapters of one mode.`,
        );
      }
      const mixed = parts
        .map((p) => tf.mul(p.handler.delta(input, output), p.weight))
        .reduce((a, b) => tf.add(a, b));
      return combineLinear(parts[0].handler, output, mixed);
    }
    case 'batch_split': {
      const sizes = splitSizes(setup, input.shape[0]);
      const inputs = tf.split(input, sizes, 0);
      const outputs = tf.split(output, sizes, 0);
      const parts = setup.children.map((child, i) => dispatchLinear(child, state, handlers, inputs[i], outputs[i]));
      return tf.concat(parts, 0);
    }
    case 'parallel':
      return unsupported('Parallel', 'linear');
  }
}

/**
 * Applies `setup` at a residual site. A single adapter runs pre → forward → post; a Stack shares
 * the first adapter's pre step and the last adapter's post step and chains the forward steps;
 * Average averages the forward outputs; BatchSplit routes batch slices.
 */
export function dispatchResidual(
  setup: AdapterSetup,
  state: DispatchState,
  handlers: ReadonlyMap<string, ResidualAdapterHandler>,
  hidden: tf.Tensor,
  residual: tf.Tensor,
  layerNorm: LayerNorm | RMSNorm | null,
  plain: (hidden: tf.Tensor, residual: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  const present = (name: string) => handlers.has(name) && !state.merged.has(name);

  if (typeof setup === 'string') {
    if (!present(setup)) return plain(hidden, residual);
    const handler = handlers.get(setup)!;
    const prepared = handler.preForward(hidden, residual, layerNorm);
    return handler.postForward(handler.forward(prepared), hidden, residual, layerNorm);
  }
  switch (setup.kind) {
    case 'stack':
    case 'average': {
      const names = setup.children.map((child) => {
        if (typeof child !== 'string') unsupported(`nested ${setup.kind}`, 'residual');
        return child;
      });
      const active = names.filter(present);
      if (active.length === 0) return plain(hidden, residual);
      const first = handlers.get(active[0])!;
      const last = handlers.get(active[active.length - 1])!;
      const prepared = first.preForward(hidden, residual, layerNorm);
      let adapted: tf.Tensor;
      if (setup.kind === 'stack') {
        adapted = active.reduce((h, name) => handlers.get(name)!.forward({ hidden: h, residual: prepared.residual }), prepared.hidden);
      } else {
        adapted = active
          .map((name) => tf.mul(handlers.get(name)!.forward(prepared), setup.weights[names.indexOf(name)]))
          .reduce((a, b) => tf.add(a, b));
      }
      return last.postForward(adapted, hidden, residual, layerNorm);
    }
    case 'batch_split': {
      const sizes = splitSizes(setup, hidden.shape[0]);
      const hiddens = tf.split(hidden, sizes, 0);
      const residuals = tf.split(residual, sizes, 0);
      const parts = setup.children.map((child, i) =>
        dispatchResidual(child, state, handlers, hiddens[i], residuals[i], layerNorm, plain),
      );
      return tf.concat(parts, 0);
    }
    case 'parallel':
      return unsupported('Parallel', 'residual');
  }
}

/** Applies `setup` at an attention site: a single adapter or a Stack extends the state in order. */
export function dispatchAttention(
  setup: AdapterSetup,
  state: DispatchState,
  handlers: ReadonlyMap<string, AttentionAdapterHandler>,
  attention: AttentionState,
): AttentionState {
  if (typeof setup === 'string') {
    const handler = handlers.get(setup);
    return handler === undefined || state.merged.has(setup) ? attention : handler.extend(attention);
  }
  if (setup.kind === 'stack') {
    return setup.children.reduce((s, child) => dispatchAttention(child, state, handlers, s), attention);
  }
  return unsupported(setup.kind, 'attention');
}
