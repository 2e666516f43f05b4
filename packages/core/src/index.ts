// Public API of @articleqa/core. Apps and other projects import only from here.

// Answer
export type {
  AnswerCallOptions,
  Answerer,
  AnswerInput,
  AnswerOutput,
  AnswerSignals,
  Citation,
} from './answer/answerer.js';
export type {
  ChatCallOptions,
  ChatMessage,
  ChatModel,
  ChatResult,
  ChatStreamPart,
  TokenUsage,
} from './answer/chat-model.js';
export { mergeDuplicateCitations } from './answer/citations.js';
export {
  ABSTAIN_TEXT,
  createExtractiveAnswerer,
  DefaultExtractiveOptions,
  ExtractiveAnswerer,
  type ExtractiveOptions,
} from './answer/extractive-answerer.js';
export { rewriteFollowUp } from './answer/follow-up.js';
export { createLLMAnswerer, LLMAnswerer, type LLMAnswererOptions } from './answer/llm-answerer.js';
export { type MetadataField, metadataField } from './answer/metadata-question.js';
export {
  createOpenAIChatModel,
  OpenAIChatModel,
  type OpenAIChatModelOptions,
} from './answer/openai-chat-model.js';
export {
  type Abstention,
  AbstentionSignals,
  abstentionConfidence,
  bundledAbstention,
  createReaderAnswerer,
  DefaultAbstention,
  DefaultReaderAnswererOptions,
  ReaderAnswerer,
  type ReaderAnswererOptions,
} from './answer/reader-answerer.js';
export type { AskEvent, AskOptions, AskResult, AskTimings, SearchOptions } from './api-types.js';
// Entry point
export {
  ArticleQA,
  DEFAULT_ASK_K,
  type IndexStats,
  MAX_QUESTION_LENGTH,
  type OpenArticleQAOptions,
  openArticleQA,
  type RemoveOptions,
  type RemoveSummary,
} from './article-qa.js';
// Configuration (apps pass their environment in; the library never reads it)
export {
  type ArticleQAConfig,
  type ChatConfig,
  CONFIG_VARIABLES,
  type ConfigVariable,
  createModels,
  describeConfig,
  type EmbedderConfig,
  type EnvironmentRecord,
  mask,
  maskUrlPassword,
  parseStoreConfig,
  READER_KINDS,
  type ReaderConfig,
  resolveConfig,
  type StoreConfig,
} from './config.js';
// Embed
export type { Embedder, EmbedOptions, SpanEmbedding, SpanInput, TextSpan } from './embed/embedder.js';
export {
  BUNDLED_MINILM_MODEL,
  createLocalEmbedder,
  DefaultLocalEmbedderOptions,
  ensureMiniLMModelFolder,
  type LocalEmbedderOptions,
  type ModelVariant,
  TransformersEmbedder,
} from './embed/index.js';
export { createOpenAIEmbedder, OpenAIEmbedder, type OpenAIEmbedderOptions } from './embed/openai-embedder.js';
// Evaluate
export {
  type Asker,
  type EvalMetrics,
  type EvalQuestion,
  type EvalRecord,
  type EvaluateOptions,
  evaluate,
  normalize as normalizeForMatch,
  parseQuestions,
  squadNormalize,
  tokenF1,
  withinBudget,
} from './eval/evaluate.js';
// Following feeds
export { createFeedFile, type FeedList, type FeedSubscription } from './feeds/feed-list.js';
export {
  DefaultFollowFeedsOptions,
  type FeedPoll,
  type FollowFeedsOptions,
  nextPollAt,
  pollDueFeeds,
  pollFeed,
} from './feeds/follow-feeds.js';
// Ingest: load, clean, chunk
export {
  type Chunk,
  type ChunkOptions,
  type ChunkTokenizer,
  chunkDocument,
  DefaultChunkOptions,
} from './ingest/chunk-document.js';
// Imported file by file, so that importing the library does not load the HTML and Markdown parsers
// (each built-in loader imports its parser on first use).
export { cleanText } from './ingest/clean-text.js';
export { discoverSources } from './ingest/discover-sources.js';
export {
  type HttpValidators,
  type IngestItem,
  type IngestOptions,
  type IngestProgress,
  type IngestStatus,
  type IngestSummary,
  ingestSources,
} from './ingest/ingest-sources.js';
export {
  DefaultLoadDocumentOptions,
  type LoadDocumentOptions,
  type LoadedSource,
  loadDocument,
  loadSource,
} from './ingest/load-document.js';
export type { ParsedDocument, ParseInput } from './ingest/parsed-document.js';
export {
  createPoliteFetch,
  DefaultPoliteFetchOptions,
  type PoliteFetchOptions,
} from './ingest/polite-fetch.js';
export {
  BUILTIN_LOADERS,
  type LinkedSource,
  type LoadedContent,
  LoaderRegistry,
  type SourceLoader,
} from './ingest/source-loader.js';
export { isHttpUrl, normalizeSource } from './ingest/source-location.js';
// Read
export type { PassageReading, Reader, ReadOptions } from './read/reader.js';
export {
  bundledReaderWeights,
  createLocalReader,
  DefaultLocalReaderOptions,
  type LocalReaderOptions,
  TransformersReader,
} from './read/transformers-reader.js';
export { type TokenizedText, type WordEncoder, WordPieceTokenizer } from './read/word-pieces.js';
// Retrieve
export {
  DefaultRetrieveOptions,
  hybridSearch,
  type RetrieveOptions,
  type SearchOutcome,
  type SentenceMatch,
} from './retrieve/hybrid-search.js';
export {
  ReaderReranker,
  type ReaderRerankerOptions,
  type Reranker,
  type RerankOptions,
} from './retrieve/rerank.js';
export { type RetrievedChunk, retrievalScore } from './retrieve/retrieved-chunk.js';
export {
  type DocumentFilter,
  type DocumentFormat,
  type DocumentInfo,
  type DocumentLabel,
  type DocumentMetadata,
  isEmptyFilter,
  type SourceDocument,
} from './shared/document.js';
// Errors
export {
  AbortError,
  ArticleQAError,
  type ArticleQAErrorOptions,
  ConfigError,
  type ErrorCode,
  IndexError,
  InputError,
  isArticleQAError,
  LLMError,
  ModelError,
} from './shared/errors.js';
// Store: the port, and the local SQLite + HNSW implementation
export type {
  ArticleStore,
  DenseMatch,
  DenseQuery,
  DocumentRecord,
  DocumentWrite,
  EmbeddedText,
  IndexManifest,
  LexicalMatch,
  LexicalQuery,
  LockOptions,
  NewChunk,
  OpenStoreOptions,
  QuantisedSentenceVector,
  SentenceVector,
  SourcePage,
  SourceStamps,
  SourceStampUpdate,
  StoreCounts,
  StoredChunk,
  StoredSource,
  StoredSourceState,
  StoredVector,
} from './store/article-store.js';
export {
  type CopyCollectionOptions,
  type CopyProgressEvent,
  type CopySummary,
  type CopyVerification,
  copyCollection,
} from './store/copy-collection.js';
export { DefaultHnswOptions, type HnswOptions, HnswVectorStore } from './store/local/hnsw-vector-store.js';
export {
  createLocalStore,
  IndexFiles,
  LocalStore,
  type LocalStoreOptions,
} from './store/local/local-store.js';
export {
  SegmentedVectorStore,
  type SegmentedVectorStoreOptions,
} from './store/local/segmented-vector-store.js';
// The local store's sentence-vector encoding (int8 per sentence), for stores that keep the same bytes.
export { decodeSentenceVectors, encodeSentenceVectors } from './store/local/sentence-vectors.js';
export type { VectorEntry, VectorMatch, VectorQuery, VectorStore } from './store/local/vector-store.js';
export { createMemoryStorage, type MemoryStorage, MemoryStore } from './store/memory/memory-store.js';
export { storedSourceState } from './store/source-state.js';
export { createUnionStore, type UnionStoreOptions } from './store/union-store.js';
// Text utilities
export { type SentenceSpan, splitSentences } from './text/sentences.js';
export { contentTerms } from './text/terms.js';
export { dot, dotQuantised } from './text/vector-math.js';
export { version } from './version.js';
