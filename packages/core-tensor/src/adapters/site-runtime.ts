import * as tf from '@tensorflow/tfjs';

import type { AdaptationSite, AttentionSite, LinearSite, ResidualSite } from '../sites/sites';
import { dispatchAttention, dispatchLinear, dispatchResidual, type DispatchState } from './site-dispatch';
import type { AttentionAdapterHandler, LinearAdapterHandler, ResidualAdapterHandler, SiteBinding } from './method';

/**
 * The handlers of every adapter at one site, and the hook that runs them. The hook is installed
 * on the site while at least one adapter has a handler there and removed with the last one, so a
 * model without adapters runs exactly its original code path.
 */
export class SiteRuntime {
  private readonly handlers = new Map<string, SiteBinding['handler']>();

  /**
   * @param site The site this runtime serves.
   * @param readState Returns the live dispatch state, or null when no adapter should run
   *   (nothing active, or adapters disabled).
   */
  constructor(
    readonly site: AdaptationSite,
    private readonly readState: () => DispatchState | null,
  ) {}

  get isEmpty(): boolean {
    return this.handlers.size === 0;
  }

  /** Adds the handler of adapter `name` and installs the hook if this is the first one. */
  add(name: string, handler: SiteBinding['handler']): void {
    this.handlers.set(name, handler);
    if (this.handlers.size === 1) this.install();
  }

  /** Removes the handler of adapter `name` and uninstalls the hook when none remain. */
  remove(name: string): void {
    this.handlers.delete(name);
    if (this.handlers.size === 0) this.uninstall();
  }

  private install(): void {
    const site = this.site;
    switch (site.kind) {
      case 'linear':
        this.installLinear(site);
        break;
      case 'residual':
        this.installResidual(site);
        break;
      case 'attention':
        this.installAttention(site);
        break;
    }
  }

  private uninstall(): void {
    const site = this.site;
    if (site.kind === 'linear') site.linear.forwardHook = null;
    else site.hook = null;
  }

  private installLinear(site: LinearSite): void {
    const handlers = this.handlers as Map<string, LinearAdapterHandler>;
    site.linear.forwardHook = (input, output) => {
      const state = this.readState();
      return state === null ? output : dispatchLinear(state.setup, state, handlers, input, output);
    };
  }

  private installResidual(site: ResidualSite): void {
    const handlers = this.handlers as Map<string, ResidualAdapterHandler>;
    const plain = (hidden: tf.Tensor, residual: tf.Tensor) => {
      const sum = tf.add(hidden, residual);
      return site.layerNorm ? site.layerNorm.apply(sum) : sum;
    };
    site.hook = (hidden, residual, layerNorm) =>
      tf.tidy(() => {
        const state = this.readState();
        return state === null
          ? plain(hidden, residual)
          : dispatchResidual(state.setup, state, handlers, hidden, residual, layerNorm, plain);
      });
  }

  private installAttention(site: AttentionSite): void {
    const handlers = this.handlers as Map<string, AttentionAdapterHandler>;
    site.hook = (attention) => {
      const state = this.readState();
      return state === null ? attention : dispatchAttention(state.setup, state, handlers, attention);
    };
  }
}
