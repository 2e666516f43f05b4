import { join } from 'node:path';
import {
  type ArticleQA,
  type ArticleStore,
  createFeedFile,
  createLocalStore,
  createModels,
  createUnionStore,
  type EnvironmentRecord,
  isArticleQAError,
  loadSource,
  openArticleQA,
  pollDueFeeds,
  resolveConfig,
} from '@articleqa/core';
import { boundedChatModel, type ChatBounds } from './bounded-chat-model.js';
import {
  type Collections,
  GuildCollections,
  type OpenedCollection,
  sharedCollection,
} from './collections/guild-collections.js';
import type { FeedList, FeedService } from './qa-service.js';

/** Which collection a guild asks: the one shared by all, or its own. */
export type CollectionMode = 'shared' | 'per-guild';

/** The collections the bot answers from, with the models they share. */
export interface OpenedCollections {
  collections: Collections;
  /**
   * Per guild: the operator's collection every guild reads beside its own, when there is one (where,
   * and how many articles it held at start).
   */
  shared?: { location: string; documents: number };
  /** LLM calls in flight now, across all collections. */
  llmCallsInFlight(): number;
  /** Closes every collection, then the models. */
  close(): Promise<void>;
}

/** Guild collections kept open at once in per-guild mode (each holds its index or a Postgres pool). */
const MAX_OPEN_GUILD_COLLECTIONS = 64;

/**
 * Opens what the bot answers from, once, for all handlers: the embedder and, when `OPENAI_*` /
 * `ARTICLEQA_CHAT_MODEL` configure one, the chat model, read by the core from `env` exactly as the CLI
 * does; then the collections. `shared`: the one collection (the Postgres store of ARTICLEQA_STORE, else
 * the index in `indexDir`), which must exist (`create: false`: a bot never builds an empty one;
 * `articleqa ingest` does). `per-guild`: each guild's own, opened on first use and created empty for a
 * new guild: `<indexDir>/guilds/<guild id>`, or the Postgres schema `articleqa_guild_<guild id>`; with
 * `readShared`, the operator's collection (the one `shared` answers from), when it exists, is read
 * beside every guild's own and changed by none of them.
 *
 * @throws the core's `ArticleQAError`s (`E_CONFIG`, `E_INDEX_NOT_FOUND`, `E_MODEL_LOAD`...); main words them.
 */
export async function openCollections(options: {
  env: EnvironmentRecord;
  indexDir: string;
  mode: CollectionMode;
  /** Per guild: read the operator's collection beside each guild's own, when it exists. @defaultValue true */
  readShared?: boolean;
  /** Process-wide bounds on LLM calls: how many at once, how long each may take, who hears of each end. */
  chatBounds?: ChatBounds;
}): Promise<OpenedCollections> {
  const config = resolveConfig(options.env);
  const created = createModels(config);
  const bounded =
    created.chatModel && options.chatBounds
      ? boundedChatModel(created.chatModel, options.chatBounds)
      : undefined;
  const models = bounded ? { ...created, chatModel: bounded } : created;
  const closeModels = async () => {
    await models.reader?.close?.();
    await models.embedder.close?.();
  };
  const postgres = config.store.kind === 'postgres' ? config.store.url : undefined;
  // Loaded now, before the bot takes questions: the first question would otherwise pay for it (the
  // reader's model is built on a first run), with the gateway waiting behind it.
  try {
    await models.embedder.ready?.();
    await models.reader?.ready?.();
  } catch (error) {
    await closeModels();
    throw error;
  }

  const storeModule = postgres ? await import('@articleqa/store-postgres') : undefined;
  /** The store of a collection: `schema` of the Postgres database, or the index folder `dir`. */
  const storeAt = (where: { dir: string; schema: string }): ArticleStore =>
    storeModule && postgres
      ? storeModule.createPostgresStore({ connectionString: postgres, schema: where.schema })
      : createLocalStore({ dir: where.dir });

  /** One collection; with `shared`, read together with that (open) store. */
  const open = async (
    where: { dir: string; schema: string },
    create: boolean,
    shared?: ArticleStore,
  ): Promise<OpenedCollection> => {
    const own = storeAt(where);
    const qa = await openArticleQA({
      store: shared ? createUnionStore({ primary: own, shared: [shared] }) : own,
      create,
      ...models,
    });
    // The followed feeds, where the CLI keeps them: beside the local index (`articleqa watch` polls
    // them), or in the Postgres collection (`articleqa worker` polls them).
    const feedList: FeedList & { close?(): Promise<void> } =
      storeModule && postgres
        ? new storeModule.PostgresFeedList({ connectionString: postgres, schema: where.schema })
        : createFeedFile(join(where.dir, 'feeds.json'));
    return {
      qa: {
        ask: (question, askOptions) => qa.ask(question, askOptions),
        listDocuments: () => qa.listDocuments(),
        ...(shared
          ? {
              // What the guild may change; the rest of the union's listing is the shared store's.
              async ownDocumentIds() {
                return new Set((await own.listDocuments()).map((document) => document.id));
              },
            }
          : {}),
        ingest: (inputs, ingestOptions) => qa.ingest(inputs, ingestOptions),
        remove: (references, removeOptions) => qa.remove(references, removeOptions),
        close: () => qa.close(),
      },
      feeds: { ...feedService(feedList), close: async () => feedList.close?.() },
      async pollFeeds({ fetch, waitForLock, signal }) {
        const polls = await pollDueFeeds(qa, feedList, { signal, ingest: { fetch, waitForLock } });
        return polls.map((poll) => ({
          url: poll.url,
          stored: poll.changes.filter((item) => item.status === 'added' || item.status === 'updated').length,
          failed: poll.changes.filter((item) => item.status === 'failed').length,
          ...(poll.error ? { error: poll.error } : {}),
        }));
      },
    };
  };

  let collections: Collections;
  let closeCollections: () => Promise<void>;
  let sharedQa: ArticleQA | undefined;
  let sharedStore: ArticleStore | undefined;
  try {
    if (options.mode === 'shared') {
      const opened = await open({ dir: options.indexDir, schema: 'articleqa' }, false);
      collections = sharedCollection(opened);
      closeCollections = async () => {
        await opened.qa.close();
        await opened.feeds.close?.();
      };
    } else {
      if (options.readShared ?? true) {
        // Opened once, read by every guild's collection; absent, each guild has its own articles only.
        const store = storeAt({ dir: options.indexDir, schema: 'articleqa' });
        try {
          sharedQa = await openArticleQA({ store, create: false, ...models });
          sharedStore = store;
        } catch (error) {
          if (!isArticleQAError(error, 'E_INDEX_NOT_FOUND')) throw error;
        }
      }
      const guilds = new GuildCollections({
        maxOpen: MAX_OPEN_GUILD_COLLECTIONS,
        open: (guildId) =>
          open(
            { dir: join(options.indexDir, 'guilds', guildId), schema: `articleqa_guild_${guildId}` },
            true,
            sharedStore,
          ),
      });
      collections = guilds;
      closeCollections = async () => {
        await guilds.close();
        await sharedQa?.close();
      };
    }
  } catch (error) {
    await sharedQa?.close().catch(() => undefined);
    await closeModels();
    throw error;
  }
  const sharedInfo =
    sharedQa && sharedStore
      ? { location: sharedStore.location, documents: (await sharedQa.stats()).documents }
      : undefined;
  return {
    collections,
    ...(sharedInfo ? { shared: sharedInfo } : {}),
    llmCallsInFlight: () => bounded?.inFlight ?? 0,
    // The collections own the models built here: closing releases them after the indexes.
    close: async () => {
      await closeCollections();
      await closeModels();
    },
  };
}

/** The feed list of a collection, and a look at a URL before it is followed. */
function feedService(feedList: FeedList): FeedService {
  return {
    list: () => feedList.list(),
    add: (url, now) => feedList.add(url, now),
    remove: (url) => feedList.remove(url),
    async probe(url, probeOptions) {
      const loaded = await loadSource(url, { fetch: probeOptions.fetch });
      return {
        source: loaded.source,
        entries: loaded.links.length,
        isArticle: loaded.documents.length > 0 && loaded.links.length === 0,
      };
    },
  };
}

/** True for the core's configuration errors (bad `OPENAI_*` / `ARTICLEQA_*` values). */
export function isCoreConfigError(error: unknown): boolean {
  return isArticleQAError(error, 'E_CONFIG');
}
