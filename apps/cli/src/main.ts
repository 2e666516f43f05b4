#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildProgram } from './program.js';

const { version: cliVersion } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };
// Read from the core's package.json rather than its `version` export, so --version loads no library.
const { version: coreVersion } = createRequire(import.meta.url)('@articleqa/core/package.json') as {
  version: string;
};
// The two are released together; a mismatch means a mixed install, which --version should show.
const version = cliVersion === coreVersion ? cliVersion : `${cliVersion} (@articleqa/core ${coreVersion})`;

// `articleqa list | head` closes stdout early: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

async function main(argv: string[]): Promise<number> {
  // .env in the current directory, read once here; real environment variables win.
  try {
    process.loadEnvFile('.env');
  } catch {
    // No .env: configuration comes from the environment alone.
  }
  let exitCode = 0;
  const program = buildProgram(version, async (load, ...args) => {
    const runner = await load();
    exitCode = await runner(...args);
  });
  // Subcommands copy their parent's settings when created, so each one needs its own override:
  // otherwise commander exits with 1 itself on a subcommand's usage error (`ask --bogus`).
  for (const command of [program, ...program.commands]) {
    command.exitOverride();
    command.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  }
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    const { code, exitCode } = error as { code?: unknown; exitCode?: unknown };
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // Asked-for help and --version exit 0; every other commander exit (including the help shown on
      // stderr when no command is given) is a usage error, already printed.
      return exitCode === 0 ? 0 : 2;
    }
    const { causeChain, describeError } = await import('./errors.js');
    const described = describeError(error);
    const verbose = argv.includes('--verbose') || argv.includes('-v');
    process.stderr.write(`error: ${described.message}\n`);
    if (described.hint) process.stderr.write(`hint: ${described.hint}\n`);
    if (verbose) for (const line of causeChain(error).slice(1)) process.stderr.write(`  ${line}\n`);
    if (!described.expected) {
      // A bug, not a user mistake: this is when a stack trace helps.
      process.stderr.write(
        verbose && error instanceof Error
          ? `${error.stack}\n`
          : 'This looks like a bug in articleqa. Run with --verbose for details.\n',
      );
    }
    return described.exitCode;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
