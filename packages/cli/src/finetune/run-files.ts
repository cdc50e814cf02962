import { writeFile } from 'node:fs/promises';

import { renderLossCurveSvg, type LossPoint } from '../plot/loss-curve';

/**
 * Writes `metrics.json` and the loss plot `loss.svg` of a fine-tuning run into `directory`.
 *
 * @param directory An existing directory (the staging directory of the run's output).
 * @param metrics Everything the run measured; written as indented JSON.
 * @param curves Training-batch and held-out losses per step, the plot title and, when the loss is
 *   not per token, the y-axis title.
 */
export async function writeRunFiles(
  directory: string,
  metrics: object,
  curves: { trainLoss: readonly LossPoint[]; heldOutLoss: readonly LossPoint[]; title: string; yAxisTitle?: string },
): Promise<void> {
  await writeFile(`${directory}/metrics.json`, JSON.stringify(metrics, null, 2) + '\n');
  const svg = await renderLossCurveSvg(curves.trainLoss, curves.heldOutLoss, curves.title, curves.yAxisTitle);
  await writeFile(`${directory}/loss.svg`, svg);
}
