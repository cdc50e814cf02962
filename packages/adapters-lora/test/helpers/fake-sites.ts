import { Linear, type LinearSite, type ModelDescription } from '@peftjs/core-tensor';

/**
 * Linear sites laid out like a Llama model with `numLayers` blocks (q, k, v, o, gate, up, down),
 * for tests of site selection that need paths and shapes but no forward pass. Untrained weights.
 */
export function llamaLikeSites(numLayers = 3, hidden = 16, intermediate = 24): { sites: LinearSite[]; model: ModelDescription; dispose: () => void } {
  const sites: LinearSite[] = [];
  const layout: [string, LinearSite['location'], string, number, number][] = [
    ['self_attn.q_proj', 'selfattn', 'q', hidden, hidden],
    ['self_attn.k_proj', 'selfattn', 'k', hidden, hidden / 2],
    ['self_attn.v_proj', 'selfattn', 'v', hidden, hidden / 2],
    ['self_attn.o_proj', 'selfattn', 'o', hidden, hidden],
    ['mlp.gate_proj', 'intermediate', 'gate', hidden, intermediate],
    ['mlp.up_proj', 'intermediate', 'up', hidden, intermediate],
    ['mlp.down_proj', 'output', 'down', intermediate, hidden],
  ];
  for (let i = 0; i < numLayers; i++) {
    for (const [suffix, location, matrix, inFeatures, outFeatures] of layout) {
      sites.push({
        kind: 'linear',
        path: `model.layers.${i}.${suffix}`,
        layerIndex: i,
        location,
        matrix,
        linear: new Linear(inFeatures, outFeatures, { bias: false }),
      });
    }
  }
  return {
    sites,
    model: { modelType: 'llama', hiddenSize: hidden, numLayers },
    dispose: () => sites.forEach((s) => s.linear.dispose()),
  };
}
