import { describeConfig, resolveConfig } from '@articleqa/core';
import { type GlobalOptions, indexDirFor } from '../context.js';
import { ExitCode } from '../errors.js';
import { createOutput } from '../output.js';

export interface ConfigCommandOptions extends GlobalOptions {
  json?: boolean;
}

/** `articleqa config`: the effective configuration, secrets masked. */
export async function configCommand(options: ConfigCommandOptions): Promise<number> {
  const output = createOutput(options);
  const config = resolveConfig(process.env);
  const rows = [
    { name: 'effective index', value: indexDirFor(options, config) },
    ...describeConfig(config, process.env),
  ];
  if (options.json)
    output.out(JSON.stringify(Object.fromEntries(rows.map((row) => [row.name, row.value])), null, 2));
  else for (const row of rows) output.out(`${output.colors.dim(row.name.padEnd(30))} ${row.value}`);
  return ExitCode.ok;
}
