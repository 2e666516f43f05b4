// Public API of @articleqa/store-postgres: the ArticleStore port of @articleqa/core on PostgreSQL + pgvector.

export { AdvisoryWriteLock, LOCK_CLASS_ID, lockKey } from './advisory-write-lock.js';
export {
  createIngestQueue,
  DefaultIngestQueueOptions,
  DefaultIngestWorkOptions,
  type EnqueueOptions,
  INGEST_DEAD_LETTER_QUEUE,
  INGEST_QUEUE,
  type IngestJobData,
  type IngestJobHandler,
  IngestQueue,
  type IngestQueueCounts,
  type IngestQueueOptions,
  type IngestWorkOptions,
} from './ingest-queue.js';
export { MAX_HNSW_DIMENSIONS, SCHEMA_VERSION, TEXT_SEARCH_CONFIG } from './migrations.js';
export { PostgresFeedList, type PostgresFeedListOptions } from './postgres-feed-list.js';
export {
  createPostgresStore,
  DefaultPostgresStoreOptions,
  PostgresStore,
  type PostgresStoreOptions,
} from './postgres-store.js';
