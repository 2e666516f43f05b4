import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bakery, glacier, lighthouse, writeArticles } from './support/articles.js';
import { makeTempDir, runCli } from './support/run-cli.js';
import { startInTerminal } from './support/terminal.js';

/** Documents of the index by title, for before/after comparisons. */
async function titles(cwd: string): Promise<string[]> {
  const list = await runCli(['list', '--json'], { cwd });
  return (JSON.parse(list.stdout) as { title: string }[]).map((document) => document.title).sort();
}

describe('remove <folder>', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;

  beforeAll(async () => {
    writeArticles(join(cwd, 'articles', 'coast'), [lighthouse, glacier]);
    writeArticles(join(cwd, 'articles', 'town'), [bakery]);
    const ingest = await runCli(['ingest', 'articles'], { cwd });
    expect(ingest.code, ingest.stderr).toBe(0);
  });
  afterAll(() => temp.cleanup());

  it('without a terminal to ask, needs --yes: exit 2, the count in the message, nothing removed', async () => {
    const result = await runCli(['remove', 'articles/coast'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Removing 2 documents from articles/coast (2) needs --yes');
    expect(await titles(cwd)).toHaveLength(3);
  });

  it('at a terminal asks with the count; "n" keeps everything, "y" removes the folder and nothing else', async () => {
    const declined = startInTerminal(['remove', 'articles/coast/'], { cwd });
    await declined.waitFor('Remove 2 documents ingested from articles/coast/ (2)? [y/N] ');
    declined.type('n\r');
    expect(await declined.exitedWithin(10_000)).toBe(1);
    expect(declined.screen()).toContain('Nothing removed.');
    expect(await titles(cwd)).toHaveLength(3);

    const confirmed = startInTerminal(['remove', 'articles/coast/'], { cwd });
    await confirmed.waitFor('[y/N] ');
    confirmed.type('y\r');
    expect(await confirmed.exitedWithin(10_000)).toBe(0);
    expect(confirmed.screen()).toContain(lighthouse.title);
    expect(await titles(cwd)).toEqual([bakery.title]);
  });

  it('--yes removes without asking; a folder with nothing ingested from it is "not found", exit 1', async () => {
    const empty = await runCli(['remove', 'articles/coast', '--yes'], { cwd });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('not found: no document was ingested from inside articles/coast');
    const removed = await runCli(['remove', 'articles', '--yes', '--json'], { cwd });
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout).removed.map((entry: { title: string }) => entry.title)).toEqual([
      bakery.title,
    ]);
    expect(await titles(cwd)).toEqual([]);
  });
});
