/**
 * The slice of `@articleqa/core` the bot uses. Handlers take a {@link QAService}, never the core itself,
 * so tests can pass a fake and `main` alone decides how the real one is built. Type-only imports: the
 * handlers never load the core's code (models, SQLite) themselves.
 */
import type { ArticleQA } from '@articleqa/core';

export type { AskOptions, AskResult, ChatMessage, Citation, DocumentInfo } from '@articleqa/core';

/** What the handlers need from the core, loaded once and shared by all of them. */
export type QAService = Pick<ArticleQA, 'ask' | 'listDocuments'>;

/** A QAService that owns resources (the loaded model and index), closed at shutdown. */
export type ClosableQAService = Pick<ArticleQA, 'ask' | 'listDocuments' | 'close'>;
