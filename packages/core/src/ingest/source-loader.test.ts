import { describe, expect, it } from 'vitest';
import { describeLoaderContract } from '../testing/loader-contract.js';
import { BUILTIN_LOADERS, LoaderRegistry } from './source-loader.js';

const [markdown, html, text] = BUILTIN_LOADERS;

describeLoaderContract('markdown loader', {
  loader: markdown!,
  samples: [
    {
      source: '/articles/police.md',
      content:
        '---\ntitle: Police in firms\ndate: 2015-08-05\n---\n\nThe **ministry** will set up offices.\r\n\r\nMore   text here.\n',
      title: 'Police in firms',
      contains: ['The ministry will set up offices.', 'More text here.'],
    },
  ],
  invalid: ['', '---\ntitle: [unclosed\n---\nBody.'],
});

describeLoaderContract('html loader', {
  loader: html!,
  samples: [
    {
      source: 'https://news.example/story.html',
      content:
        '<!doctype html><html><head><title>Storm hits coast</title></head><body><nav>Home</nav><article><h1>Storm hits coast</h1><p>Heavy rain and strong wind hit the coast on Monday, closing the harbour for the day.</p><p>Forecasters expect sunshine by Friday afternoon, the weather office said.</p></article></body></html>',
      title: 'Storm hits coast',
      contains: ['Heavy rain and strong wind hit the coast on Monday'],
    },
  ],
  invalid: [''],
});

describeLoaderContract('text loader', {
  loader: text!,
  samples: [
    {
      source: '/articles/bakery.txt',
      content: 'Bakers warn of a shortage\n\nA poor harvest cut the supply of rye flour.\n',
      title: 'Bakers warn of a shortage',
      contains: ['A poor harvest cut the supply of rye flour.'],
    },
  ],
  invalid: ['', '   \n\n  '],
});

describe('LoaderRegistry', () => {
  it('reads Markdown served as text/plain by its extension, and nothing it has no loader for', () => {
    const registry = new LoaderRegistry();
    expect(registry.forMediaType('text/plain', 'https://raw.example/notes.md')?.format).toBe('markdown');
    expect(registry.forMediaType('text/plain', 'https://raw.example/notes')?.format).toBe('text');
    expect(registry.forMediaType('image/png', 'https://raw.example/a.md')).toBeUndefined();
    expect(registry.forPath('/a/report.pdf')).toBeUndefined();
    expect(registry.forPath('/a/Makefile')).toBeUndefined();
  });

  it('puts loaders given by the caller first, so they can take over an extension', () => {
    const custom = { ...text!, format: 'notes', extensions: ['.txt', '.notes'] };
    const registry = new LoaderRegistry([custom]);
    expect(registry.forPath('/a/b.txt')).toBe(custom);
    expect(registry.forPath('/a/b.md')?.format).toBe('markdown');
    expect(registry.extensions).toContain('.notes');
  });
});
