import * as tf from '@tensorflow/tfjs';
import { BottleneckAdapter } from '@peftjs/adapters-compacter';
import { LoRALayer } from '@peftjs/adapters-lora';
import {
  isRecordingGateScores,
  reportGateScore,
  type AdaptationSite,
  type Linear,
  type LinearAdapterHandler,
  type ResidualAdapterHandler,
  type SiteBinding,
} from '@peftjs/core-tensor';

/**
 * Gate reporting for the LoRA and bottleneck members of a union. Those layers compute their gate
 * privately, so while `recordGateScores` runs the gate is evaluated a second time here, with the
 * same formula: `sigmoid(gate(x))` averaged over every axis between the batch and the features.
 * Prefix tuning reports its own gates.
 */

function reportGate(site: AdaptationSite, gate: Linear, input: tf.Tensor, adapter: string, method: string): void {
  tf.tidy(() => {
    const values = tf.sigmoid(gate.applyBase(input));
    const axes = Array.from({ length: Math.max(values.rank - 2, 0) }, (_, i) => i + 1);
    reportGateScore(site, { adapter, method }, axes.length > 0 ? tf.mean(values, axes) : values);
  });
}

/**
 * Returns `binding` with a handler that also reports its gate values to a running
 * `recordGateScores` when it is a gated LoRA layer or bottleneck adapter. Other bindings are
 * returned unchanged, and outputs are unchanged either way.
 *
 * @param binding A binding built by a union member.
 * @param adapterName Name of the union adapter, reported with the scores.
 */
export function withGateReporting(binding: SiteBinding, adapterName: string): SiteBinding {
  if (binding.site.kind === 'linear' && binding.handler instanceof LoRALayer && binding.handler.gate !== null) {
    const layer = binding.handler;
    const gate = layer.gate!;
    const site = binding.site;
    const handler: LinearAdapterHandler = {
      compositionMode: layer.compositionMode,
      delta(input: tf.Tensor): tf.Tensor {
        if (isRecordingGateScores()) reportGate(site, gate, input, adapterName, 'lora');
        return layer.delta(input);
      },
    };
    return { site, handler };
  }
  if (binding.site.kind === 'residual' && binding.handler instanceof BottleneckAdapter && binding.handler.gate !== null) {
    const adapter = binding.handler;
    const gate = adapter.gate!;
    const site = binding.site;
    const handler: ResidualAdapterHandler = {
      preForward: (hidden, residual, layerNorm) => adapter.preForward(hidden, residual, layerNorm),
      forward(state) {
        // The bottleneck's gate reads the adapter input, which is `state.hidden`.
        if (isRecordingGateScores()) reportGate(site, gate, state.hidden, adapterName, 'bottleneck');
        return adapter.forward(state);
      },
      postForward: (adapted, hidden, residual, layerNorm) => adapter.postForward(adapted, hidden, residual, layerNorm),
    };
    return { site, handler };
  }
  return binding;
}
