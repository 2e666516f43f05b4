/**
 * The slice of `@articleqa/core` the bot uses. Handlers take a {@link QAService}, never the core itself,
 * so tests can pass a fake and `main` alone decides how the real one is built. Type-only imports: the
 * handlers never load the core's code (models, SQLite) themselves.
 */
import type { ArticleQA, FeedList } from '@articleqa/core';

export type {
  AskOptions,
  AskResult,
  ChatMessage,
  Citation,
  DocumentInfo,
  FeedList,
  FeedSubscription,
  IngestOptions,
  IngestSummary,
  RemoveSummary,
} from '@articleqa/core';

/**
 * What the handlers need from the core, loaded once and shared by all of them: answering, listing, and
 * for the admin commands adding and removing articles.
 */
export type QAService = Pick<ArticleQA, 'ask' | 'listDocuments' | 'ingest' | 'remove'> & {
  /**
   * Ids of the documents stored in this collection itself, when it also reads the operator's shared
   * collection (whose documents it lists but cannot change); undefined when it reads none.
   */
  ownDocumentIds?(): Promise<ReadonlySet<string> | undefined>;
};

/** A QAService that owns resources (the loaded model and index), closed at shutdown. */
export type ClosableQAService = QAService & Pick<ArticleQA, 'close'>;

/** A URL looked at before it is followed: a feed (or sitemap) and its entries, or an article page. */
export interface ProbedSource {
  /** The URL as it will be followed (normalised). */
  source: string;
  /** Entries the feed lists; 0 for an article page. */
  entries: number;
  /** True when the URL is an article, not a feed. */
  isArticle: boolean;
}

/**
 * The followed feeds (`articleqa watch`, or the workers on Postgres, ingest what they publish), and a
 * look at a URL before following it.
 */
export interface FeedService extends Pick<FeedList, 'list' | 'add' | 'remove'> {
  probe(url: string, options: { fetch: typeof fetch }): Promise<ProbedSource>;
}
