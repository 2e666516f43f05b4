// Public API of @articleqa/store-postgres: the ArticleStore port of @articleqa/core on PostgreSQL + pgvector.

export { AdvisoryWriteLock, LOCK_CLASS_ID, lockKey } from './advisory-write-lock.js';
export { MAX_HNSW_DIMENSIONS, SCHEMA_VERSION, TEXT_SEARCH_CONFIG } from './migrations.js';
export {
  createPostgresStore,
  DefaultPostgresStoreOptions,
  PostgresStore,
  type PostgresStoreOptions,
} from './postgres-store.js';
