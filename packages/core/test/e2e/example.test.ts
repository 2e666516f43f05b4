import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The README's "add your own" example, run as a user would (against the built package): it must work.
describe('examples/custom-parts.mjs', () => {
  it('ingests a CSV into a memory store, reranks, and answers with a citation', async () => {
    const example = fileURLToPath(new URL('../../examples/custom-parts.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [example], {
      env: { ...process.env, ARTICLEQA_CACHE_DIR: join(tmpdir(), 'articleqa-test-cache') },
    });
    expect(stdout).toContain('ingested 1 article(s)');
    expect(stdout).toMatch(/3\.2 million euros/);
    expect(stdout).toMatch(
      /\[1\] Harbour reopens after storm: Repairs to the sea wall cost 3\.2 million euros\./,
    );
  });
});
