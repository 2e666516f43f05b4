import { throwIfAborted } from '../errors.js';
import { splitSentences } from '../ingest/sentences.js';
import type { PassageReading, Reader } from '../read/reader.js';
import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';
import { stemmedTerms, weighQuery, weightedCoverage } from '../text/terms.js';
import type {
  AnswerCallOptions,
  Answerer,
  AnswerInput,
  AnswerOutput,
  AnswerSignals,
  Citation,
} from './answerer.js';
import { ABSTAIN_TEXT } from './extractive-answerer.js';
import { metadataField, metadataValue } from './metadata-question.js';

/**
 * How the answer's confidence is computed: `sigmoid(bias + margin·readerMargin + dense·topDense +
 * coverage·coverage)`, abstaining below `threshold`.
 */
export interface Abstention {
  bias: number;
  margin: number;
  dense: number;
  coverage: number;
  threshold: number;
}

/** Settings of {@link ReaderAnswerer}. */
export interface ReaderAnswererOptions {
  /** Retrieved chunks read (best first after reranking); the reranker's depth, so it reads nothing new. @defaultValue 5 */
  maxSources?: number;
  abstention?: Abstention;
}

/**
 * Fitted by logistic regression on the SQuAD dev half (answerable against SQuAD 2.0 unanswerable
 * questions) and checked on article-level folds it was not fitted on: see docs/benchmarks.md. The
 * threshold is the fold-checked operating point where >= 90% of answerable questions are answered.
 */
export const DefaultAbstention: Abstention = {
  bias: -2,
  margin: 0.5,
  dense: 2,
  coverage: 1,
  threshold: 0.5,
};

/**
 * The offline answerer with a reader: the reader reads the top chunks against the question, the best
 * reading gives the short answer, and the sentence that holds it is the quoted evidence, cited with its
 * exact offsets. Questions about the article itself (its date, author, source, title) are answered
 * from the document's metadata.
 */
export class ReaderAnswerer implements Answerer {
  readonly kind = 'extractive' as const;
  readonly #reader: Reader;
  readonly #maxSources: number;
  readonly #abstention: Abstention;

  constructor(reader: Reader, options: ReaderAnswererOptions = {}) {
    this.#reader = reader;
    this.#maxSources = options.maxSources ?? 5;
    this.#abstention = options.abstention ?? DefaultAbstention;
  }

  async answer(input: AnswerInput, options: AnswerCallOptions = {}): Promise<AnswerOutput> {
    const sources = input.sources.slice(0, this.#maxSources);
    if (sources.length === 0) return abstain(0, {});
    const question = input.standaloneQuestion;

    const field = metadataField(question);
    const top = sources[0]!;
    const value = field ? metadataValue(top, field) : undefined;
    if (field && value) return metadataAnswer(top, field, value);

    const readings = await this.#reader.read(
      question,
      sources.map((source) => source.text),
      options.signal ? { signal: options.signal } : {},
    );
    throwIfAborted(options.signal);
    const best = readings.reduce<PassageReading | undefined>(
      (a, b) => (!a || b.margin > a.margin ? b : a),
      undefined,
    );
    if (!best || !Number.isFinite(best.margin)) return abstain(0, {});
    const source = sources[best.passage]!;
    const signals: AnswerSignals = {
      readerMargin: best.margin,
      topDense: Math.max(0, ...sources.map((chunk) => chunk.scores.dense ?? 0)),
      coverage: coverage(question, source, sources),
    };
    const confidence = score(signals, this.#abstention);
    if (confidence < this.#abstention.threshold) return abstain(confidence, signals);

    const shortAnswer = tidy(best.text);
    const evidence = evidenceSpan(source, best, input.sentences?.get(source.chunkId));
    const quote = source.text.slice(evidence.start - source.start, evidence.end - source.start);
    const citation: Citation = {
      n: 1,
      documentId: source.documentId,
      title: source.title,
      ...(source.url ? { url: source.url } : {}),
      quote,
      start: evidence.start,
      end: evidence.end,
    };
    return {
      answer: `${quote} [1]`,
      shortAnswer,
      abstained: false,
      citations: [citation],
      answerer: 'extractive',
      confidence,
      signals,
    };
  }
}

/** Builds the offline answerer that reads. */
export function createReaderAnswerer(reader: Reader, options: ReaderAnswererOptions = {}): ReaderAnswerer {
  return new ReaderAnswerer(reader, options);
}

/** The confidence model of {@link Abstention}. */
export function score(signals: AnswerSignals, abstention: Abstention): number {
  const margin = Math.max(-20, Math.min(20, signals.readerMargin ?? -20));
  const z =
    abstention.bias +
    abstention.margin * margin +
    abstention.dense * (signals.topDense ?? 0) +
    abstention.coverage * (signals.coverage ?? 0);
  return 1 / (1 + Math.exp(-z));
}

/** The sentence (or sentences, when the answer straddles them) of `source` that holds the reading. */
function evidenceSpan(
  source: RetrievedChunk,
  reading: PassageReading,
  stored: ReadonlyArray<{ start: number; end: number }> | undefined,
): { start: number; end: number } {
  const answerStart = source.start + reading.start;
  const answerEnd = source.start + reading.end;
  const sentences =
    stored ??
    splitSentences(source.text).map((span) => ({
      start: source.start + span.start,
      end: source.start + span.end,
    }));
  const covering = sentences.filter((span) => span.end > answerStart && span.start < answerEnd);
  if (covering.length === 0) return { start: answerStart, end: answerEnd };
  return {
    start: Math.min(...covering.map((span) => span.start)),
    end: Math.max(...covering.map((span) => span.end)),
  };
}

/** The IDF-weighted share of the question's terms in `source`, IDF taken over the sources. */
function coverage(question: string, source: RetrievedChunk, sources: readonly RetrievedChunk[]): number {
  const terms = sources.map((chunk) => stemmedTerms(chunk.text));
  const query = weighQuery(question, sources.length, (term) => terms.filter((set) => set.has(term)).length);
  if (query.terms.length === 0) return 0;
  return weightedCoverage(query, terms[sources.indexOf(source)]!);
}

/** Trims the separators a span can pick up at its edges. */
function tidy(text: string): string {
  return text.replace(/^[\s,;:–—-]+|[\s,;:–—-]+$/gu, '');
}

function abstain(confidence: number, signals: AnswerSignals): AnswerOutput {
  return {
    answer: ABSTAIN_TEXT,
    shortAnswer: '',
    abstained: true,
    citations: [],
    answerer: 'extractive',
    confidence,
    signals,
  };
}

const FIELD_WORDS = {
  publishedAt: 'Published',
  byline: 'By',
  siteName: 'Published by',
  title: 'Titled',
} as const;

function metadataAnswer(
  source: RetrievedChunk,
  field: 'publishedAt' | 'byline' | 'siteName' | 'title',
  value: string,
): AnswerOutput {
  const shortAnswer = field === 'publishedAt' ? value.slice(0, 10) : value;
  const text = field === 'title' ? `“${value}”` : `${FIELD_WORDS[field]} ${shortAnswer}`;
  return {
    answer: `${text}, according to the article's details. [1]`,
    shortAnswer,
    abstained: false,
    citations: [
      {
        n: 1,
        documentId: source.documentId,
        title: source.title,
        ...(source.url ? { url: source.url } : {}),
        quote: '',
        start: 0,
        end: 0,
        metadata: { field, value },
      },
    ],
    answerer: 'extractive',
    confidence: 1,
  };
}
