import { createRequire } from 'node:module';

/** The version of @articleqa/core, from its package.json (the same file in the sources and the package). */
export const version: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
