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
      ? [{ name: 'effective index', key: 'indexDir', value: indexDirFor(options, config) }]
      : []),
    ...describeConfig(config, process.env),
  ];
  if (options.json) {
    // Variables by their own names (null when unset), derived values under `effective`, camelCase.
    const variables = rows.filter((row) => row.key === row.name);
    const effective = rows.filter((row) => row.key !== row.name);
    output.out(
      JSON.stringify(
        {
          variables: Object.fromEntries(variables.map((row) => [row.key, row.value])),
          effective: Object.fromEntries(effective.map((row) => [row.key, row.value])),
        },
        null,
        2,
      ),
    );
  } else
    for (const row of rows)
      output.out(`${output.colors.dim(row.name.padEnd(30))} ${row.value ?? output.colors.dim('(not set)')}`);
  return ExitCode.ok;
}
