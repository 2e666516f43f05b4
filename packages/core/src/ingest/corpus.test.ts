import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverSources } from './discover-sources.js';
import { loadDocument } from './load-document.js';

const corpus = fileURLToPath(new URL('../../../../corpus/', import.meta.url));

describe('corpus/', () => {
  it('holds the seed article as Markdown with its metadata and without page leftovers', async () => {
    const document = await loadDocument(`${corpus}2015-08-05-china-police-internet-companies.md`);
    expect(document.format).toBe('markdown');
    expect(document.title).toBe('China wants police installed in every internet company');
    expect(document.metadata).toEqual({ siteName: 'Wired UK', publishedAt: '2015-08-05' });
    expect(document.text.startsWith('China wants to install police officers')).toBe(true);
    expect(document.text).toContain('“The goal seems to be to a create an intimidating atmosphere');
    expect(document.text).not.toContain('Leave a Reply');
    expect(document.text).not.toContain('Click Here');
    expect(document.text.split('\n\n')).toHaveLength(13);
  });

  it('holds only articles that load', async () => {
    const { sources, failures, skipped } = await discoverSources([corpus]);
    expect(failures).toEqual([]);
    expect(skipped).toEqual([]);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) await expect(loadDocument(source)).resolves.toHaveProperty('text');
  });
});
