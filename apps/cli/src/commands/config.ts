import { describeConfig } from '@articleqa/core';
import { configFor, type GlobalOptions, indexDirFor } from '../context.js';
import { ExitCode } from '../errors.js';
import { createOutput } from '../output.js';

export interface ConfigCommandOptions extends GlobalOptions {
  json?: boolean;
}

/** `articleqa config`: the effective configuration, secrets masked. */
export async function configCommand(options: ConfigCommandOptions): Promise<number> {
  const output = createOutput(options);
  const config = configFor(options);
  const rows = [
    ...(config.store.kind === 'local'
      ? [{ name: 'effective index', value: indexDirFor(options, config) }]
      : []),
    ...describeConfig(config, process.env),
  ];
  if (options.json)
    output.out(JSON.stringify(Object.fromEntries(rows.map((row) => [row.name, row.value])), null, 2));
  else for (const row of rows) output.out(`${output.colors.dim(row.name.padEnd(30))} ${row.value}`);
  return ExitCode.ok;
}
