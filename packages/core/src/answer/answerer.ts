import type { SentenceMatch } from '../retrieve/hybrid-search.js';
import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';
import type { ChatMessage, TokenUsage } from './chat-model.js';

/** A numbered source quoted by an answer. `quote === documentText.slice(start, end)`. */
export interface Citation {
  /** The number used in the answer text, `[n]`. */
  n: number;
  documentId: string;
  title: string;
  url?: string;
  /** Exact text quoted from the document's cleaned text. */
  quote: string;
  /** Offsets of `quote` in the document's cleaned text, `[start, end)`. */
  start: number;
  end: number;
}

/** What an answerer is given. */
export interface AnswerInput {
  /** The question as the user asked it. */
  question: string;
  /** The question rewritten to stand alone (equal to `question` without history). */
  standaloneQuestion: string;
  /** Earlier turns, oldest first. */
  history: readonly ChatMessage[];
  /** Retrieved chunks, best first. */
  sources: readonly RetrievedChunk[];
  /** The retrieval query's vector, when the embedder already made it: saves embedding it again. */
  queryVector?: Float32Array;
  /**
   * The sources' sentences with their similarity to the query, by chunk id, where the index stores
   * sentence vectors: the extractive answerer then needs no model call.
   */
  sentences?: ReadonlyMap<number, readonly SentenceMatch[]>;
}

/** Options for one answer. */
export interface AnswerCallOptions {
  signal?: AbortSignal;
  /** Called with each piece of answer text as it is produced (LLM streaming). */
  onToken?: (text: string) => void;
}

/** What an answerer returns. */
export interface AnswerOutput {
  /** Answer text with `[n]` markers that match `citations`. */
  answer: string;
  /** True when the sources do not support an answer; `answer` then says so plainly. */
  abstained: boolean;
  citations: Citation[];
  /** Which answerer produced the text. */
  answerer: 'extractive' | 'llm';
  /** Set when the LLM failed and the extractive answer was used instead: why. */
  fallbackReason?: string;
  /** Citation numbers the LLM wrote that matched no source, removed from `answer`. */
  droppedCitations?: number[];
  usage?: TokenUsage;
  /** How sure the answerer is that the sources answer the question, in [0, 1], when it can tell. */
  confidence?: number;
}

/** Turns retrieved sources into a grounded answer. */
export interface Answerer {
  readonly kind: 'extractive' | 'llm';
  answer(input: AnswerInput, options?: AnswerCallOptions): Promise<AnswerOutput>;
}
