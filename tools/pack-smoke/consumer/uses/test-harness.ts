import { initBackend } from '@peftjs/core-tensor';
import { LoRAConfig, loraMethod } from '@peftjs/adapters-lora';
import { createTinyLlamaHarnessModel, runAdapterChecks } from '@peftjs/test-harness';

/**
 * Runs four harness checks on LoRA from the tarballs without jest, through `runAdapterChecks`,
 * and fails when any report failed.
 */
export async function use(): Promise<string> {
  await initBackend();
  const reports = await runAdapterChecks({
    method: loraMethod,
    createModel: () => createTinyLlamaHarnessModel(),
    configs: [
      {
        name: 'r 4, alpha 12',
        config: LoRAConfig({ r: 4, alpha: 12 }),
        expectIdentityAtInit: true,
        nonIdentityConfig: LoRAConfig({ r: 4, alpha: 12, init_weights: 'bert' }),
        canMerge: true,
      },
    ],
    checks: ['isolation', 'forward-effect', 'save-load', 'merge'],
  });
  const failed = reports.filter((report) => !report.passed);
  if (failed.length > 0) {
    throw new Error(`runAdapterChecks failed on LoRA: ${failed.map((report) => report.details).join(' | ')}`);
  }
  return `runAdapterChecks: ${reports.length} reports passed for LoRA on the tiny Llama`;
}
