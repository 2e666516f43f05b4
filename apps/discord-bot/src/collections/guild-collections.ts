import type { ClosableQAService, FeedService, QAService } from '../qa-service.js';

/** What polling a collection's followed feeds did, feed by feed. */
export interface FeedPollReport {
  url: string;
  /** Entries added or updated. */
  stored: number;
  failed: number;
  /** Set when the feed itself could not be read. */
  error?: string;
}

/** How a poll fetches and waits. */
export interface FeedPollOptions {
  fetch: typeof fetch;
  waitForLock: number;
  signal: AbortSignal;
}

/** One collection, opened: answering and its followed feeds. */
export interface OpenedCollection {
  qa: ClosableQAService;
  feeds: FeedService & { close?(): Promise<void> };
  /** Polls the followed feeds that are due, ingesting new and changed entries. */
  pollFeeds?(options: FeedPollOptions): Promise<FeedPollReport[]>;
}

/** The collection each guild asks, as the handlers see it. */
export interface Collections {
  /** The collection `guildId` asks and manages (its own, or the shared one). */
  qa(guildId: string | null): QAService;
  /** The feeds followed for that collection. */
  feeds(guildId: string | null): FeedService;
  /**
   * When the bot itself polls followed feeds (a collection per guild, which the CLI's `watch` and
   * workers do not poll): polls those of every open collection, by guild.
   */
  pollFeeds?(options: FeedPollOptions): Promise<Array<{ guildId: string; polls: FeedPollReport[] }>>;
}

/** Options of {@link GuildCollections}. */
export interface GuildCollectionsOptions {
  /** Opens (creating when missing) the collection of `guildId`. */
  open(guildId: string): Promise<OpenedCollection>;
  /** Collections kept open at once; the least recently used idle one is closed beyond it. @defaultValue 64 */
  maxOpen?: number;
}

interface Entry {
  opening: Promise<OpenedCollection>;
  users: number;
  lastUsed: number;
}

/** Said when something needs a server's collection outside a server (a stale command in a DM). */
export class NoGuildError extends Error {
  constructor() {
    super('This works in a server only: each server has its own articles.');
    this.name = 'NoGuildError';
  }
}

/**
 * A collection per guild, opened on first use (created empty for a new guild) and shared by every
 * handler of that guild. At most `maxOpen` stay open (each holds its index or its Postgres pool); an
 * idle one is closed when more are needed, and one in use never is. A guild never reaches another's
 * collection: the guild id picks the collection, and nothing else does.
 */
export class GuildCollections implements Collections {
  readonly #options: Required<GuildCollectionsOptions>;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(options: GuildCollectionsOptions) {
    this.#options = { maxOpen: 64, ...options };
  }

  /** Collections open now. */
  get openCount(): number {
    return this.#entries.size;
  }

  qa(guildId: string | null): QAService {
    const use = <T>(run: (opened: OpenedCollection) => Promise<T>) => this.#use(guildId, run);
    return {
      ask: (question, options) => use(({ qa }) => qa.ask(question, options)),
      listDocuments: () => use(({ qa }) => qa.listDocuments()),
      ingest: (inputs, options) => use(({ qa }) => qa.ingest(inputs, options)),
      remove: (references, options) => use(({ qa }) => qa.remove(references, options)),
      ownDocumentIds: () => use(async ({ qa }) => qa.ownDocumentIds?.()),
    };
  }

  feeds(guildId: string | null): FeedService {
    const use = <T>(run: (opened: OpenedCollection) => Promise<T>) => this.#use(guildId, run);
    return {
      list: () => use(({ feeds }) => feeds.list()),
      add: (url, now) => use(({ feeds }) => feeds.add(url, now)),
      remove: (url) => use(({ feeds }) => feeds.remove(url)),
      probe: (url, options) => use(({ feeds }) => feeds.probe(url, options)),
    };
  }

  /** Polls the due feeds of each collection open now (one at a time; a closed one waits for its next use). */
  async pollFeeds(options: FeedPollOptions): Promise<Array<{ guildId: string; polls: FeedPollReport[] }>> {
    const results: Array<{ guildId: string; polls: FeedPollReport[] }> = [];
    for (const guildId of [...this.#entries.keys()]) {
      if (options.signal.aborted || this.#closed) break;
      const polls = await this.#use(guildId, async (opened) => (await opened.pollFeeds?.(options)) ?? []);
      if (polls.length > 0) results.push({ guildId, polls });
    }
    return results;
  }

  /** Closes every collection (waiting for none: call once the handlers are done). */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((entry) => closeEntry(entry)));
  }

  async #use<T>(guildId: string | null, run: (opened: OpenedCollection) => Promise<T>): Promise<T> {
    if (guildId === null) throw new NoGuildError();
    if (this.#closed) throw new Error('The collections are closed.');
    let entry = this.#entries.get(guildId);
    if (!entry) {
      entry = { opening: this.#options.open(guildId), users: 0, lastUsed: 0 };
      this.#entries.set(guildId, entry);
      // A failed open is forgotten, so the next question tries again.
      entry.opening.catch(() => {
        if (this.#entries.get(guildId) === entry) this.#entries.delete(guildId);
      });
    }
    entry.users += 1;
    entry.lastUsed = performance.now();
    try {
      return await run(await entry.opening);
    } finally {
      entry.users -= 1;
      entry.lastUsed = performance.now();
      void this.#evict();
    }
  }

  /** Closes the least recently used idle collections beyond `maxOpen`. */
  async #evict(): Promise<void> {
    const excess = this.#entries.size - this.#options.maxOpen;
    if (excess <= 0) return;
    const idle = [...this.#entries.entries()]
      .filter(([, entry]) => entry.users === 0)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed)
      .slice(0, excess);
    for (const [guildId] of idle) this.#entries.delete(guildId);
    await Promise.all(idle.map(([, entry]) => closeEntry(entry)));
  }
}

/** The shared collection: every guild asks the same one. */
export function sharedCollection(opened: OpenedCollection): Collections {
  return { qa: () => opened.qa, feeds: () => opened.feeds };
}

async function closeEntry(entry: Entry): Promise<void> {
  const opened = await entry.opening.catch(() => undefined);
  await opened?.qa.close();
  await opened?.feeds.close?.();
}
