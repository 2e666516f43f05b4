import type { AnswerSignals, Citation } from './answer/answerer.js';
import type { ChatMessage, TokenUsage } from './answer/chat-model.js';
import type { RetrievedChunk } from './retrieve/retrieved-chunk.js';
import type { DocumentFilter } from './shared/document.js';

/** Retrieval options; see `DefaultSearchOptions` for defaults. */
export interface SearchOptions {
  /** Chunks returned. */
  k?: number;
  filter?: DocumentFilter;
  signal?: AbortSignal;
}

/** Options for {@link ArticleQA.ask}. */
export interface AskOptions extends SearchOptions {
  /** Earlier turns of the conversation, oldest first: follow-ups are rewritten to stand alone. */
  history?: readonly ChatMessage[];
  /** Called with each piece of answer text as it is produced (streamed when an LLM answers). */
  onToken?: (text: string) => void;
  /** Which answerer to use: `auto` uses the LLM when one is configured. @defaultValue 'auto' */
  answerer?: 'auto' | 'extractive' | 'llm';
  /** Runs the reranking stage when one is configured. @defaultValue true */
  rerank?: boolean;
}

/** Milliseconds spent in each step of `ask`. */
export interface AskTimings {
  retrieveMs: number;
  /** Reading the retrieved chunks to reorder them (0 without a reranker). */
  rerankMs: number;
  answerMs: number;
  totalMs: number;
}

/** The result of {@link ArticleQA.ask}: data, never pre-formatted output. */
export interface AskResult {
  question: string;
  /** The query used for retrieval (the question rewritten when it was a follow-up). */
  standaloneQuestion: string;
  /** Answer text with `[n]` markers. */
  answer: string;
  /**
   * The short answer (a name, date or phrase) read from the cited sentence; `''` when abstaining or
   * when the answerer gives none (the sentence extractor, an LLM).
   */
  shortAnswer: string;
  /** True when the articles do not support an answer. */
  abstained: boolean;
  citations: Citation[];
  /** Chunks retrieved, best first. */
  retrieved: RetrievedChunk[];
  answerer: 'extractive' | 'llm';
  /** Set when the LLM failed and the extractive answer was used: why. */
  fallbackReason?: string;
  droppedCitations?: number[];
  /** The offline answerer's confidence in [0, 1]; abstention happens below its threshold. */
  confidence?: number;
  /** What the confidence was computed from (reader margin, retrieval similarity, term coverage). */
  signals?: AnswerSignals;
  timings: AskTimings;
  usage?: TokenUsage;
}

/** One event of {@link ArticleQA.askStream}, in the order they come. */
export type AskEvent =
  /** Retrieval and reranking are done: the chunks the answer is made from, best first. */
  | { type: 'sources'; standaloneQuestion: string; sources: RetrievedChunk[] }
  /** A piece of the answer as the LLM streams it (raw: its citation numbers are not final). */
  | { type: 'token'; text: string }
  /** The LLM failed; the offline answer in `done` replaces whatever it streamed. */
  | { type: 'fallback'; reason: string }
  /** The final result: show its `answer` and `citations`, which agree with each other. */
  | { type: 'done'; result: AskResult };
