import { Module } from '../module/module';
import type { AdaptationSite, ModelDescription } from '../sites/sites';

/**
 * A model that declares adaptation sites, so every registered adapter method can attach to it.
 *
 * Subclasses build their module tree with Hugging Face module names, create their sites while
 * doing so, and return them from {@link adaptationSites}. The adapter lifecycle
 * (`addAdapter`, `trainAdapter`, `mergeAdapter`, `saveAdapter`, …) is provided here.
 */
export abstract class AdaptableModel extends Module {
  /** Returns every adaptation site of the model, in layer order. */
  abstract adaptationSites(): readonly AdaptationSite[];

  /** Returns the shape facts adapter methods validate their configs against. */
  abstract describe(): ModelDescription;
}
