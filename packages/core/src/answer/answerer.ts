import type { SentenceMatch } from '../retrieve/hybrid-search.js';
import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';
import type { ChatMessage, TokenUsage } from './chat-model.js';
import type { MetadataField } from './metadata-question.js';

/** A numbered source quoted by an answer. `quote === documentText.slice(start, end)`. */
export interface Citation {
  /** The number used in the answer text, `[n]`. */
  n: number;
  documentId: string;
  title: string;
  url?: string;
  /** The document's author and publication date, when known (filled from the retrieved sources). */
  byline?: string;
  publishedAt?: string;
  /** Exact text quoted from the document's cleaned text. */
  quote: string;
  /** Offsets of `quote` in the document's cleaned text, `[start, end)`. */
  start: number;
  end: number;
  /**
   * Set when the citation is to a fact about the document (its date, author, source or title) rather
   * than to its text; `quote` is then empty and `start === end === 0`.
   */
  metadata?: { field: MetadataField; value: string };
}

/** The numbers an answerer decided from, for inspection and calibration. */
export interface AnswerSignals {
  /** The reader's best answer margin (span score minus no-answer score). */
  readerMargin?: number;
  /** The best dense (cosine) similarity among the sources. */
  topDense?: number;
  /** The IDF-weighted share of the question's terms found in the answer's source chunk. */
  coverage?: number;
  /**
   * 1 when a name in the question (a capitalised word after its first) appears in none of the sources:
   * the articles are likely about something else ("How tall is the Eiffel Tower?").
   */
  unmatchedName?: number;
  /** The sentence answerer's score of the sentence answered from, in [0, 1]. */
  sentenceScore?: number;
  /**
   * The IDF-weighted share of the question's terms found in the answer's sentence and its neighbours:
   * a question that changes one word of the passage (another year, an antonym, a swapped name) finds
   * the topic but not the fact.
   */
  windowCoverage?: number;
  /** 1 when a number in the question (a year, a count) is missing from the answer's source chunk. */
  unmatchedNumber?: number;
  /** 1 when a name in the question is missing from the answer's source chunk (found elsewhere or not). */
  sourceUnmatchedName?: number;
  /** 1 when the question is negated ("not", "never", "n't") and the answer's sentences are not. */
  negation?: number;
  /**
   * The reader's margin of the short answer given (it differs from `readerMargin` when the sentence
   * answerer's score moved the choice away from the reader's best span).
   */
  chosenMargin?: number;
  /** 1 when the question asks for a quantity or date ("How many ...?") and the short answer states none. */
  typeMismatch?: number;
  /** 1 when another passage's best reading, with a positive margin, gives the same short answer. */
  support?: number;
  /** The share of the short answer's terms that are the question's own (a wrong span often repeats it). */
  answerInQuestion?: number;
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
  /**
   * The short answer (a name, a date, a phrase) read out of the cited sentence, when the answerer
   * gives one; `''` when it abstains.
   */
  shortAnswer?: string;
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
  /** What the confidence was computed from. */
  signals?: AnswerSignals;
}

/** Turns retrieved sources into a grounded answer. */
export interface Answerer {
  readonly kind: 'extractive' | 'llm';
  answer(input: AnswerInput, options?: AnswerCallOptions): Promise<AnswerOutput>;
}
