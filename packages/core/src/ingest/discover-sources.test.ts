import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverSources } from './discover-sources.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'articleqa-discover-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function touch(...relativePaths: string[]): Promise<void> {
  for (const relativePath of relativePaths) {
    const path = join(root, relativePath);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, 'Body.');
  }
}

describe('discoverSources', () => {
  it('walks directories recursively in sorted order, skipping hidden entries and node_modules', async () => {
    await touch(
      'corpus/b.md',
      'corpus/a.txt',
      'corpus/Z.html',
      'corpus/sub/c.markdown',
      'corpus/sub/deeper/d.htm',
      'corpus/e.text',
      'corpus/.hidden.md',
      'corpus/.git/config.md',
      'corpus/node_modules/pkg/readme.md',
    );
    const result = await discoverSources([join(root, 'corpus')]);
    expect(result.sources).toEqual(
      ['Z.html', 'a.txt', 'b.md', 'e.text', 'sub/c.markdown', 'sub/deeper/d.htm'].map((name) =>
        join(root, 'corpus', name),
      ),
    );
    expect(result.failures).toEqual([]);
    expect(result.skipped).toEqual([]);
  });

  it('reports unsupported files inside directories as skipped', async () => {
    await touch('corpus/a.md', 'corpus/photo.png', 'corpus/notes.mdx', 'corpus/sub/data.json');
    const result = await discoverSources([join(root, 'corpus')]);
    expect(result.sources).toEqual([join(root, 'corpus', 'a.md')]);
    expect(result.skipped).toEqual(
      ['notes.mdx', 'photo.png', 'sub/data.json'].map((name) => join(root, 'corpus', name)),
    );
  });

  it('turns a missing path or a named unsupported file into a failure and goes on', async () => {
    await touch('a.md', 'report.pdf');
    const result = await discoverSources(['missing.md', 'report.pdf', 'a.md'], { cwd: root });
    expect(result.sources).toEqual([join(root, 'a.md')]);
    expect(result.failures).toHaveLength(2);
    expect(result.failures[0]).toMatchObject({ source: 'missing.md', error: { code: 'E_NOT_FOUND' } });
    expect(result.failures[1]).toMatchObject({ source: 'report.pdf', error: { code: 'E_UNSUPPORTED' } });
  });

  it('keeps URLs, normalised, in input order and drops duplicates', async () => {
    await touch('a.md');
    const result = await discoverSources(
      ['HTTPS://Example.com:443/story#top', 'a.md', join(root, 'a.md'), 'https://example.com/story'],
      { cwd: root },
    );
    expect(result.sources).toEqual(['https://example.com/story', join(root, 'a.md')]);
  });

  it('reports a URL of another scheme as unsupported, not as a missing file', async () => {
    const result = await discoverSources(['ftp://example.com/story.txt', 'file:///tmp/a.md'], { cwd: root });
    expect(result.sources).toEqual([]);
    expect(result.failures.map((failure) => [failure.error.code, failure.error.message])).toEqual([
      ['E_UNSUPPORTED', 'Unsupported URL scheme "ftp:" in ftp://example.com/story.txt'],
      ['E_UNSUPPORTED', 'Unsupported URL scheme "file:" in file:///tmp/a.md'],
    ]);
  });

  it('takes a hidden file the user names explicitly', async () => {
    await touch('.draft.md');
    const result = await discoverSources([join(root, '.draft.md')]);
    expect(result.sources).toEqual([join(root, '.draft.md')]);
  });

  it('follows symlinked directories without looping', async () => {
    await touch('corpus/a.md');
    await symlink(join(root, 'corpus'), join(root, 'corpus', 'loop'));
    const result = await discoverSources([join(root, 'corpus')]);
    expect(result.sources).toEqual([join(root, 'corpus', 'a.md')]);
  });
});
