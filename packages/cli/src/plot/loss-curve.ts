/**
 * Renders a training-loss curve (and held-out evaluations, when present) to SVG with Vega-Lite.
 *
 * vega and vega-lite 6 are ES modules only, and this package is CommonJS. A dynamic `import()`
 * loads them; it is created through `Function` so that compilers targeting CommonJS keep it an
 * `import()` instead of rewriting it to `require()`, which cannot load ES modules on Node 20.
 */
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** One point of the loss curve. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

/** Y-axis title of language-modelling runs. */
const TOKEN_LOSS_TITLE = 'cross-entropy (nats / token)';

/**
 * Builds the Vega-Lite specification of the plot.
 *
 * @param trainLoss Loss of each training batch.
 * @param heldOutLoss Held-out loss at each evaluation (may be empty).
 * @param title Plot title.
 * @param yAxisTitle Y-axis title, which names the loss and its unit.
 */
export function lossCurveSpec(
  trainLoss: readonly LossPoint[],
  heldOutLoss: readonly LossPoint[],
  title: string,
  yAxisTitle = TOKEN_LOSS_TITLE,
): Record<string, unknown> {
  const values = [
    ...trainLoss.map((p) => ({ step: p.step, loss: p.loss, series: 'training batch' })),
    ...heldOutLoss.map((p) => ({ step: p.step, loss: p.loss, series: 'held-out' })),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: 300,
    data: { values },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
      y: { field: 'loss', type: 'quantitative', title: yAxisTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
    // Training loss is drawn as a plain line; the few held-out evaluations also get markers.
    layer: [
      { mark: { type: 'line', strokeWidth: 1 }, transform: [{ filter: "datum.series === 'training batch'" }] },
      { mark: { type: 'line', point: true, strokeWidth: 2 }, transform: [{ filter: "datum.series === 'held-out'" }] },
    ],
  };
}

/** Returns the plot of {@link lossCurveSpec} (same arguments) as an SVG document. */
export async function renderLossCurveSvg(
  trainLoss: readonly LossPoint[],
  heldOutLoss: readonly LossPoint[],
  title: string,
  yAxisTitle = TOKEN_LOSS_TITLE,
): Promise<string> {
  const vegaLite = (await importModule('vega-lite')) as { compile: (spec: unknown) => { spec: unknown } };
  const vega = (await importModule('vega')) as {
    parse: (spec: unknown) => unknown;
    View: new (runtime: unknown, options: { renderer: string }) => { toSVG: () => Promise<string>; finalize: () => void };
  };
  const compiled = vegaLite.compile(lossCurveSpec(trainLoss, heldOutLoss, title, yAxisTitle)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
