import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentHash, documentId } from './create-document.js';
import { loadDocument } from './load-document.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'articleqa-load-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

describe('loadDocument from files', () => {
  it('loads Markdown, text and HTML by extension', async () => {
    const markdown = await loadDocument(await write('a.md', '---\ntitle: A\n---\nBody *a*.'));
    expect(markdown).toMatchObject({ format: 'markdown', title: 'A', text: 'Body a.' });
    const text = await loadDocument(await write('b.TXT', 'Headline\n\nBody b.'));
    expect(text).toMatchObject({ format: 'text', title: 'Headline', text: 'Body b.' });
    const html = await loadDocument(
      await write(
        'c.htm',
        `<html><head><title>C</title></head><body><p>${'Body c. '.repeat(20)}</p></body></html>`,
      ),
    );
    expect(html).toMatchObject({ format: 'html', title: 'C' });
    expect(html.text.startsWith('Body c.')).toBe(true);
  });

  it('resolves relative paths against cwd and derives id and contentHash', async () => {
    const path = await write('story.md', '# Story\n\nBody.');
    const document = await loadDocument('story.md', { cwd: directory });
    expect(document.source).toBe(path);
    expect(document.id).toBe(documentId(path));
    expect(document.id).toMatch(/^[0-9a-f]{16}$/);
    expect(document.contentHash).toBe(contentHash('Story', 'Body.'));
  });

  it('keeps the id when the content changes and makes a new one when the file moves', async () => {
    const path = await write('story.md', '# Story\n\nBody.');
    const first = await loadDocument(path);
    await writeFile(path, '# Story\n\nEdited body.');
    const edited = await loadDocument(path);
    expect(edited.id).toBe(first.id);
    expect(edited.contentHash).not.toBe(first.contentHash);
    await mkdir(join(directory, 'moved'));
    const moved = join(directory, 'moved', 'story.md');
    await rename(path, moved);
    expect((await loadDocument(moved)).id).not.toBe(first.id);
  });

  it('strips a UTF-8 byte-order mark and reads UTF-16 with a BOM', async () => {
    const bom = await write('bom.txt', '\uFEFFHeadline\n\nBody.');
    expect((await loadDocument(bom)).title).toBe('Headline');
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('Headline\n\nBody.', 'utf16le')]);
    expect((await loadDocument(await write('utf16.txt', utf16))).text).toBe('Body.');
  });

  it.each([
    ['an empty file', 'empty.md', '', 'E_EMPTY'],
    ['a whitespace-only file', 'blank.txt', ' \n\t\n ', 'E_EMPTY'],
    ['a binary file', 'image.txt', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01]), 'E_BINARY'],
    ['invalid UTF-8', 'latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]), 'E_ENCODING'],
    ['an unsupported extension', 'notes.pdf', '%PDF-1.4', 'E_UNSUPPORTED'],
  ])('rejects %s', async (_label, name, content, code) => {
    const path = await write(name, content);
    await expect(loadDocument(path)).rejects.toMatchObject({ name: 'InputError', code, source: path });
  });

  it('rejects a file over maxBytes before reading it', async () => {
    const path = await write('big.txt', `Headline\n\n${'x'.repeat(2000)}`);
    await expect(loadDocument(path, { maxBytes: 1000 })).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
    await expect(loadDocument(path, { maxBytes: 5000 })).resolves.toMatchObject({ title: 'Headline' });
  });

  it('rejects a missing file with E_NOT_FOUND, whatever its extension', async () => {
    await expect(loadDocument(join(directory, 'missing.md'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(loadDocument(join(directory, 'missing.pdf'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('rejects a directory named like an article', async () => {
    await mkdir(join(directory, 'folder.md'));
    await expect(loadDocument(join(directory, 'folder.md'))).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });
  });

  it('keeps the cause and gives a one-line message', async () => {
    const error = await loadDocument(join(directory, 'missing.md')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('rejects with AbortError when the signal is already aborted', async () => {
    const path = await write('a.md', 'Body.');
    await expect(loadDocument(path, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'E_ABORTED',
    });
  });
});
