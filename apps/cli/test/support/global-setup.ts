import { existsSync, statSync } from 'node:fs';
import { cliPath, sharedCacheDir } from './run-cli.js';

/** Fails fast, with the command to run, when the CLI has not been built. */
export default function setup(): void {
  if (!existsSync(cliPath)) {
    throw new Error(
      `${cliPath} is missing: build it first with \`npx turbo run build --filter=@articleqa/cli...\`.`,
    );
  }
  if (existsSync(sharedCacheDir) && !statSync(sharedCacheDir).isDirectory()) {
    throw new Error(`${sharedCacheDir} exists but is not a directory.`);
  }
}
