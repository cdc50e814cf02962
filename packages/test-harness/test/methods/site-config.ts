import { ConfigError, deepFreeze, type AdaptationSite, type AdapterConfig, type LinearSite, type ModelDescription } from '@peftjs/core-tensor';

/**
 * Config shared by the small methods these tests define: which linear layers to adapt, how to
 * initialise, and the layers to leave out.
 */
export interface LinearSiteConfig extends AdapterConfig {
  /** Linear layers by matrix role (`q`, `k`, `v`, `o`, ...). */
  readonly matrices: readonly string[];
  /** `identity` leaves the model unchanged; `normal` draws random values that change it. */
  readonly init: 'identity' | 'normal';
  readonly leave_out: readonly number[];
  readonly init_weights_seed: number | null;
}

/** Parses a {@link LinearSiteConfig} of `architecture`, raising ConfigError on bad fields. */
export function parseLinearSiteConfig(architecture: string, input: unknown): LinearSiteConfig {
  const raw = (input ?? {}) as Partial<LinearSiteConfig>;
  if (raw.architecture !== architecture) {
    throw new ConfigError(`Expected architecture "${architecture}", got ${JSON.stringify(raw.architecture)}.`);
  }
  const matrices = raw.matrices ?? ['q', 'v'];
  if (!Array.isArray(matrices) || matrices.length === 0 || matrices.some((m) => !['q', 'k', 'v', 'o'].includes(m))) {
    throw new ConfigError(`matrices must list some of q, k, v, o, got ${JSON.stringify(raw.matrices)}.`);
  }
  const init = raw.init ?? 'identity';
  if (init !== 'identity' && init !== 'normal') throw new ConfigError(`init must be "identity" or "normal", got ${JSON.stringify(init)}.`);
  const leaveOut = raw.leave_out ?? [];
  if (!Array.isArray(leaveOut) || leaveOut.some((i) => !Number.isInteger(i) || i < 0)) {
    throw new ConfigError(`leave_out must list layer indices, got ${JSON.stringify(raw.leave_out)}.`);
  }
  return deepFreeze({ architecture, matrices: [...matrices], init, leave_out: [...leaveOut], init_weights_seed: raw.init_weights_seed ?? null });
}

/** Selects the linear sites of a config; raises ConfigError when none is left. */
export function selectLinearSites(config: LinearSiteConfig, sites: readonly AdaptationSite[], model: ModelDescription): LinearSite[] {
  const chosen = sites.filter(
    (site): site is LinearSite =>
      site.kind === 'linear' && site.location === 'selfattn' && config.matrices.includes(site.matrix) && !config.leave_out.includes(site.layerIndex),
  );
  if (chosen.length === 0) {
    throw new ConfigError(`The config selects no linear layer of this ${model.modelType} model (leave_out ${JSON.stringify(config.leave_out)}).`);
  }
  return chosen;
}
