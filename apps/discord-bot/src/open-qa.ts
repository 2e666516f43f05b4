import { join } from 'node:path';
import {
  createFeedFile,
  createModels,
  type EnvironmentRecord,
  isArticleQAError,
  loadSource,
  openArticleQA,
  resolveConfig,
} from '@articleqa/core';
import { boundedChatModel, type ChatBounds } from './bounded-chat-model.js';
import type { ClosableQAService, FeedList, FeedService } from './qa-service.js';

/**
 * Opens the real question-answering service once, for all handlers: the embedder and, when
 * `OPENAI_*` / `ARTICLEQA_CHAT_MODEL` configure one, the chat model, read by the core from `env` exactly
 * as the CLI does; then the collection (the Postgres store of ARTICLEQA_STORE, else the index in
 * `indexDir`), which must exist (`create: false`: a bot never builds an empty one; `articleqa ingest` does).
 *
 * @throws the core's `ArticleQAError`s (`E_CONFIG`, `E_INDEX_NOT_FOUND`, `E_MODEL_LOAD`...); main words them.
 */
export async function openQAService(options: {
  env: EnvironmentRecord;
  indexDir: string;
  /** Process-wide bounds on LLM calls: how many at once, how long each may take, who hears of each end. */
  chatBounds?: ChatBounds;
}): Promise<ClosableQAService & { llmCallsInFlight(): number; feeds: FeedService }> {
  const config = resolveConfig(options.env);
  const created = createModels(config);
  const bounded =
    created.chatModel && options.chatBounds
      ? boundedChatModel(created.chatModel, options.chatBounds)
      : undefined;
  const models = bounded ? { ...created, chatModel: bounded } : created;
  // ARTICLEQA_STORE=postgres://...: every shard, on any host, reads the one collection in Postgres.
  const store =
    config.store.kind === 'postgres'
      ? (await import('@articleqa/store-postgres')).createPostgresStore({
          connectionString: config.store.url,
        })
      : undefined;
  // The followed feeds, where the CLI keeps them: beside the local index (`articleqa watch` polls them),
  // or in the Postgres collection (`articleqa worker` polls them).
  const feedList: FeedList & { close?(): Promise<void> } =
    config.store.kind === 'postgres'
      ? new (await import('@articleqa/store-postgres')).PostgresFeedList({
          connectionString: config.store.url,
        })
      : createFeedFile(join(options.indexDir, 'feeds.json'));
  const feeds: FeedService = {
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
  const qa = await openArticleQA({
    ...(store ? { store } : { dir: options.indexDir }),
    create: false,
    ...models,
  });
  return {
    ask: (question, askOptions) => qa.ask(question, askOptions),
    listDocuments: () => qa.listDocuments(),
    ingest: (inputs, ingestOptions) => qa.ingest(inputs, ingestOptions),
    remove: (references, removeOptions) => qa.remove(references, removeOptions),
    feeds,
    llmCallsInFlight: () => bounded?.inFlight ?? 0,
    // The service owns the models it built: closing it releases them with the index.
    close: async () => {
      await qa.close();
      await feedList.close?.();
      await models.reader?.close?.();
      await models.embedder.close?.();
    },
  };
}

/** True for the core's configuration errors (bad `OPENAI_*` / `ARTICLEQA_*` values). */
export function isCoreConfigError(error: unknown): boolean {
  return isArticleQAError(error, 'E_CONFIG');
}
