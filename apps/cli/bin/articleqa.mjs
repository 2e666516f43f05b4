#!/usr/bin/env node
// The `articleqa` command. The CLI itself is compiled into dist/ by `pnpm build`; this file exists
// before that, so installing the workspace links the command without warnings, and running it unbuilt
// says what to do instead of failing on a missing module.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'error: the articleqa CLI is not built yet.\nhint: run `pnpm build` in the repository (`pnpm articleqa ...` builds it for you).\n',
  );
  process.exit(1);
}
await import(main.href);
