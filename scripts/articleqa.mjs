#!/usr/bin/env node
// `pnpm articleqa <command>` from the repository root: builds what is stale (turbo caches the rest),
// then runs the CLI in this process so that stdin, stdout, signals and the exit code are the CLI's own.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'apps', 'cli', 'dist', 'main.js');
const turbo = join(root, 'node_modules', '.bin', 'turbo');

if (!existsSync(turbo)) {
  process.stderr.write('error: dependencies are not installed.\nhint: run `npx -y pnpm@10 install` first.\n');
  process.exit(1);
}
// `pnpm install` builds the CLI (the root `prepare` script); if it is missing anyway (a build that was
// cleaned, an install with --ignore-scripts), compiling takes a while: say so instead of going silent.
if (!existsSync(cli)) process.stderr.write('Compiling the CLI and the library (first run, about 30 s)…\n');
const build = spawnSync(
  turbo,
  ['run', 'build', '--filter=@articleqa/cli...', '--output-logs=errors-only', '--log-prefix=none'],
  {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  },
);
if (build.status !== 0 || !existsSync(cli)) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}error: building the CLI failed.\n`);
  process.exit(1);
}
// Relative paths given by the user are relative to where they ran pnpm, not the repository root.
// biome-ignore lint/suspicious/noUndeclaredEnvVars: pnpm sets INIT_CWD to where the user ran it.
const userDirectory = process.env.INIT_CWD;
if (userDirectory && existsSync(userDirectory)) process.chdir(userDirectory);
await import(pathToFileURL(cli).href);
