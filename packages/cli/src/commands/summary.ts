import { Command } from 'commander';
import { formatAdapterSummary, initBackend } from '@peftjs/core-tensor';

import { resolveAdapterDirectory } from '../adapter-directory';
import { readHeadLabels } from '../classify/head-files';
import { loadLanguageModel } from '../model-loading';
import { addModelOptions } from './common-options';

/** Builds the `summary` command. */
export function summaryCommand(): Command {
  const command = new Command('summary').description(
    'Print the table of an adapter: architecture, parameters (count and percentage of the model), and whether it is active, trainable and merged.',
  );
  addModelOptions(command)
    .requiredOption('--adapter <dir>', 'adapter directory written by peftjs finetune (the run directory or its adapter/ folder)')
    .action(async (opts) => {
      await initBackend();
      const adapter = await resolveAdapterDirectory(opts.adapter);
      const { model, description } = await loadLanguageModel(opts);
      try {
        const lines = [`model: ${description}`, `adapter directory: ${adapter.path}`];
        if (adapter.hasAdapter) {
          const name = await model.loadAdapter(adapter.path);
          lines.push(`config: ${JSON.stringify(model.adapterConfig(name))}`);
        } else {
          lines.push('no adapter files: a head-only classification run');
        }
        lines.push(formatAdapterSummary(model.adapterSummary()));
        if (adapter.hasHead) {
          const labels = await readHeadLabels(adapter.path);
          const parameters = labels.size * model.config.hidden_size;
          lines.push(
            `classification head: score [${labels.size} × ${model.config.hidden_size}], ${parameters.toLocaleString('en-US')} parameters, ` +
              `labels ${labels.names.join(', ')}`,
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        model.dispose();
      }
    });
  return command;
}
