import { describe, expect, it } from 'vitest';
import type { DocumentInfo, IngestSummary } from '../qa-service.js';
import { GuildCollections, NoGuildError, type OpenedCollection } from './guild-collections.js';

/** A collection in memory that records when it is opened and closed. */
function memoryCollection(guildId: string, log: string[]): OpenedCollection {
  const documents: DocumentInfo[] = [];
  return {
    qa: {
      ask: async () => {
        throw new Error('not used');
      },
      listDocuments: async () => [...documents],
      ingest: async (inputs) => {
        for (const source of inputs)
          documents.push({
            id: source,
            title: source,
            source,
            chunks: 1,
            characters: 1,
            contentHash: source,
            ingestedAt: '',
          });
        return { added: inputs.length } as IngestSummary;
      },
      remove: async () => ({ removed: [], notFound: [], ambiguous: [] }),
      close: async () => void log.push(`close ${guildId}`),
    },
    feeds: {
      list: async () => [],
      add: async () => {
        throw new Error('not used');
      },
      remove: async () => false,
      probe: async (url) => ({ source: url, entries: 0, isArticle: true }),
    },
  };
}

describe('GuildCollections', () => {
  it("keeps each guild's articles to itself and opens each collection once, however many ask at once", async () => {
    const log: string[] = [];
    const collections = new GuildCollections({
      open: async (guildId) => {
        log.push(`open ${guildId}`);
        return memoryCollection(guildId, log);
      },
    });
    await Promise.all([
      collections.qa('a').ingest(['https://a.example/1']),
      collections.qa('a').listDocuments(),
    ]);
    expect((await collections.qa('a').listDocuments()).map((document) => document.id)).toEqual([
      'https://a.example/1',
    ]);
    expect(await collections.qa('b').listDocuments()).toEqual([]);
    expect(log).toEqual(['open a', 'open b']);
    await expect(collections.qa(null).listDocuments()).rejects.toBeInstanceOf(NoGuildError);
    await collections.close();
    expect(log.slice(2).sort()).toEqual(['close a', 'close b']);
  });

  it('closes the least recently used idle collection beyond maxOpen, never one in use, and retries a failed open', async () => {
    const log: string[] = [];
    let failNext = true;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const collections = new GuildCollections({
      maxOpen: 1,
      open: async (guildId) => {
        if (guildId === 'flaky' && failNext) {
          failNext = false;
          throw new Error('database unavailable');
        }
        log.push(`open ${guildId}`);
        const opened = memoryCollection(guildId, log);
        if (guildId === 'busy') opened.qa.listDocuments = async () => held.then(() => []);
        return opened;
      },
    });
    const busy = collections.qa('busy').listDocuments();
    await collections.qa('idle').listDocuments();
    // 'busy' is in use: the idle one is closed instead.
    await until(() => log.includes('close idle'));
    expect(log).not.toContain('close busy');
    release();
    await busy;
    await expect(collections.qa('flaky').listDocuments()).rejects.toThrow('database unavailable');
    await expect(collections.qa('flaky').listDocuments()).resolves.toEqual([]);
    await until(() => collections.openCount <= 1);
    await collections.close();
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries += 1) {
    if (tries > 200) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
