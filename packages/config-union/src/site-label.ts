import type { AdaptationSite } from '@peftjs/core-tensor';

/**
 * Describes a site by layer and location for messages, e.g. `layer 2, mh_adapter
 * (encoder.layer.2.attention.output)` or `layer 0, selfattn q (model.layers.0.self_attn.q_proj)`.
 *
 * @param site The site.
 */
export function describeSite(site: AdaptationSite): string {
  let location = 'attention';
  if (site.kind === 'linear') location = `${site.location} ${site.matrix}`;
  if (site.kind === 'residual') location = site.location;
  return `layer ${site.layerIndex}, ${location} (${site.path})`;
}
