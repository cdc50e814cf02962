import type { AdapterConfig } from '@peftjs/core-tensor';

/**
 * Names a union member in messages: its index and architecture, plus the residual locations of a
 * bottleneck member and the `leave_out` of any member that has one, e.g.
 * `configs[1] (bottleneck, mh_adapter false, output_adapter true)`.
 *
 * @param config The member config.
 * @param index Its position in the union.
 */
export function describeMember(config: AdapterConfig, index: number): string {
  const fields = config as AdapterConfig & { mh_adapter?: unknown; output_adapter?: unknown; leave_out?: unknown };
  const details = [String(config.architecture)];
  if (config.architecture === 'bottleneck') {
    details.push(`mh_adapter ${String(fields.mh_adapter)}`, `output_adapter ${String(fields.output_adapter)}`);
  }
  if (Array.isArray(fields.leave_out) && fields.leave_out.length > 0) details.push(`leave_out [${fields.leave_out.join(', ')}]`);
  return `configs[${index}] (${details.join(', ')})`;
}
