import { bundledCalibration } from '../read/bundled-calibration.js';
import type { PassageReading, Reader } from '../read/reader.js';
import { bestSpan } from '../read/span-decode.js';
import { type RetrievedChunk, retrievalScore } from '../retrieve/retrieved-chunk.js';
import { throwIfAborted } from '../shared/errors.js';
import { splitSentences } from '../text/sentences.js';
import { stemmedTerms, type WeightedQuery, weighQuery, weightedCoverage } from '../text/terms.js';
import { asksForQuantity, statesQuantity } from './answer-type.js';
import type {
  AnswerCallOptions,
  Answerer,
  AnswerInput,
  AnswerOutput,
  AnswerSignals,
  Citation,
} from './answerer.js';
import { ABSTAIN_TEXT, scoreSentences } from './extractive-answerer.js';
import { type MetadataField, metadataField, metadataValue } from './metadata-question.js';

/**
 * How the answer's confidence is computed: `sigmoid(bias + margin·readerMargin + dense·topDense +
 * coverage·coverage + unmatchedName·unmatchedName + sentence·sentenceScore + …)`, one weight per
 * {@link AnswerSignals} field, abstaining below `threshold`. Weights of the later signals are optional
 * (absent counts 0), so a calibration fitted before they existed keeps its meaning.
 */
export interface Abstention {
  bias: number;
  margin: number;
  dense: number;
  coverage: number;
  unmatchedName: number;
  sentence: number;
  windowCoverage?: number;
  unmatchedNumber?: number;
  sourceUnmatchedName?: number;
  negation?: number;
  chosenMargin?: number;
  typeMismatch?: number;
  support?: number;
  answerInQuestion?: number;
  /**
   * Weights over the reader's [CLS] state of the best passage (a linear no-answer probe), fitted with
   * the rest; absent, the probe adds nothing.
   */
  cls?: readonly number[];
  threshold: number;
}

/** Settings of {@link ReaderAnswerer}. */
export interface ReaderAnswererOptions {
  /** Retrieved chunks read (best first after reranking); the reranker's depth, so it reads nothing new. @defaultValue 5 */
  maxSources?: number;
  /**
   * Weight of the sentence answerer's score (stored sentence similarity and term coverage, in [0, 1])
   * added to the reader's answer margin when choosing the sentence to answer from. The two make
   * different mistakes; 0 lets the reader alone decide. See {@link DefaultReaderAnswererOptions}.
   */
  sentenceWeight?: number;
  /**
   * Weight of the retrieved chunk's fused retrieval score (dense and keyword, min-max normalised over the
   * candidates, so in [0, 1]) added when choosing the sentence: retrieval weighs the whole question
   * against the whole collection, the reader one passage at a time, and the chunk the reader prefers is
   * not always the one that answers. 0 leaves the choice to the reader and the sentence score. The
   * bundled reader's value is fitted with its calibration (`retrievalWeight` in
   * `models/reader/abstention.json`); see {@link DefaultReaderAnswererOptions}.
   */
  retrievalWeight?: number;
  /** Most tokens of a short answer. @defaultValue 30 */
  maxAnswerTokens?: number;
  abstention?: Abstention;
}

/**
 * Defaults of {@link ReaderAnswererOptions} for a reader without a calibration file; the bundled reader
 * takes `sentenceWeight` and `retrievalWeight` from its own, chosen on article-level folds
 * (docs/benchmarks.md).
 */
export const DefaultReaderAnswererOptions = {
  maxSources: 5,
  sentenceWeight: 8,
  retrievalWeight: 0,
  maxAnswerTokens: 30,
} as const;

/**
 * Used when the reader's own calibration (`models/reader/abstention.json`, see
 * {@link bundledAbstention}) is missing: a hand-set combination that abstains on weak margins.
 */
export const DefaultAbstention: Abstention = {
  bias: -2,
  margin: 0.5,
  dense: 2,
  coverage: 1,
  unmatchedName: -3,
  sentence: 1,
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
  readonly #options: Required<Omit<ReaderAnswererOptions, 'abstention'>>;
  readonly #abstention: Abstention;

  constructor(reader: Reader, options: ReaderAnswererOptions = {}) {
    this.#reader = reader;
    const bundled = bundledAbstention();
    this.#options = {
      maxSources: options.maxSources ?? DefaultReaderAnswererOptions.maxSources,
      sentenceWeight:
        options.sentenceWeight ?? bundled.sentenceWeight ?? DefaultReaderAnswererOptions.sentenceWeight,
      retrievalWeight:
        options.retrievalWeight ?? bundled.retrievalWeight ?? DefaultReaderAnswererOptions.retrievalWeight,
      maxAnswerTokens: options.maxAnswerTokens ?? DefaultReaderAnswererOptions.maxAnswerTokens,
    };
    this.#abstention = options.abstention ?? bundled;
  }

  async answer(input: AnswerInput, options: AnswerCallOptions = {}): Promise<AnswerOutput> {
    const sources = input.sources.slice(0, this.#options.maxSources);
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
    const choice =
      this.#choose(question, sources, readings, input.sentences) ??
      fromReading(sources, best, input.sentences);
    const source = choice.source;
    const window = windowText(source, choice, input.sentences?.get(source.chunkId));
    const query = weighOverSources(question, sources);
    const shortAnswer = tidy(
      balanceQuotes(source.text, choice.answerStart - source.start, choice.answerEnd - source.start),
    );
    const questionTerms = stemmedTerms(question);
    const answerTerms = [...stemmedTerms(shortAnswer)];
    const signals: AnswerSignals = {
      readerMargin: best.margin,
      topDense: Math.max(0, ...sources.map((chunk) => chunk.scores.dense ?? 0)),
      coverage: weightedCoverage(query, stemmedTerms(source.text)),
      unmatchedName: unmatchedName(question, input.sources) ? 1 : 0,
      sentenceScore: choice.sentenceScore,
      windowCoverage: weightedCoverage(query, stemmedTerms(window)),
      unmatchedNumber: unmatchedNumber(question, source.text) ? 1 : 0,
      sourceUnmatchedName: unmatchedName(question, [source]) ? 1 : 0,
      negation: NEGATION.test(question) && !NEGATION.test(window) ? 1 : 0,
      chosenMargin: choice.margin,
      typeMismatch: asksForQuantity(question) && !statesQuantity(shortAnswer) ? 1 : 0,
      support: supported(shortAnswer, sources.indexOf(source), readings) ? 1 : 0,
      answerInQuestion:
        answerTerms.length === 0
          ? 0
          : answerTerms.filter((term) => questionTerms.has(term)).length / answerTerms.length,
    };
    const confidence = abstentionConfidence(signals, this.#abstention, best.cls);
    if (confidence < this.#abstention.threshold) return abstain(confidence, signals);

    const evidence = { start: choice.start, end: choice.end };
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

  /**
   * The sentence to answer from: the reader's best span inside each sentence of the sources (its margin
   * over "no answer"), plus `sentenceWeight` times the sentence answerer's score of that sentence, plus
   * `retrievalWeight` times its chunk's fused retrieval score.
   */
  #choose(
    question: string,
    sources: readonly RetrievedChunk[],
    readings: readonly PassageReading[],
    stored: AnswerInput['sentences'],
  ): Choice | undefined {
    let best: Choice | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const sentence of scoreSentences(question, sources, stored)) {
      const reading = readings[sentence.sourceRank - 1];
      const tokens = reading?.tokens;
      if (!reading || !tokens) return undefined;
      const from = sentence.start - sentence.source.start;
      const to = sentence.end - sentence.source.start;
      let first = 0;
      while (first < tokens.starts.length && tokens.starts[first]! < from) first++;
      let last = first;
      while (last < tokens.ends.length && tokens.ends[last]! <= to) last++;
      const span = bestSpan(tokens.start, tokens.end, first, last, this.#options.maxAnswerTokens);
      if (!span) continue;
      const margin = Math.max(-20, span.score - reading.nullScore);
      const combined =
        margin +
        this.#options.sentenceWeight * sentence.score +
        this.#options.retrievalWeight * retrievalScore(sentence.source);
      if (combined > bestScore) {
        bestScore = combined;
        best = {
          source: sentence.source,
          start: sentence.start,
          end: sentence.end,
          answerStart: sentence.source.start + tokens.starts[span.first]!,
          answerEnd: sentence.source.start + tokens.ends[span.last]!,
          sentenceScore: sentence.score,
          margin,
        };
      }
    }
    return best;
  }
}

/** The sentence chosen to answer from, and the short answer inside it, in document offsets. */
interface Choice {
  source: RetrievedChunk;
  start: number;
  end: number;
  answerStart: number;
  answerEnd: number;
  sentenceScore: number;
  /** The reader's margin of the short answer (its span score minus the passage's no-answer score). */
  margin: number;
}

/** The reader's best span alone, with the sentence(s) that hold it (for readers without token scores). */
function fromReading(
  sources: readonly RetrievedChunk[],
  reading: PassageReading,
  stored: AnswerInput['sentences'],
): Choice {
  const source = sources[reading.passage]!;
  const evidence = evidenceSpan(source, reading, stored?.get(source.chunkId));
  return {
    source,
    ...evidence,
    answerStart: source.start + reading.start,
    answerEnd: source.start + reading.end,
    sentenceScore: 0,
    margin: reading.margin,
  };
}

/**
 * The abstention calibrated for the shipped reader, with the sentence weight chosen beside it
 * (`models/reader/abstention.json`, written by `pnpm bench --full --only reader` from the SQuAD dev
 * half); {@link DefaultAbstention} when absent.
 */
export function bundledAbstention(): Abstention & BundledChoice {
  const parsed = bundledCalibration() as Partial<Abstention> & BundledChoice;
  return typeof parsed.threshold === 'number' && typeof parsed.bias === 'number'
    ? (parsed as Abstention & BundledChoice)
    : DefaultAbstention;
}

/** What the calibration file fixes beside the abstention: how the answer is chosen and reranked. */
interface BundledChoice {
  sentenceWeight?: number;
  retrievalWeight?: number;
  promoteAbove?: number;
  rerankRetrievalWeight?: number;
}

/** Builds the offline answerer that reads. */
export function createReaderAnswerer(reader: Reader, options: ReaderAnswererOptions = {}): ReaderAnswerer {
  return new ReaderAnswerer(reader, options);
}

type AbstentionWeight = Exclude<keyof Abstention, 'bias' | 'cls' | 'threshold'>;

/**
 * The inputs of {@link Abstention}'s linear model, in order: each weight and the {@link AnswerSignals}
 * value it multiplies. The runtime and the calibration fit (`pnpm bench`) both read this one list, so
 * a fitted weight always meets the value it was fitted on. Absent signals count 0; the margin is
 * clamped to ±20 (no reading is -20) so that one extreme reading cannot outweigh every other signal.
 */
export const AbstentionSignals: readonly (readonly [AbstentionWeight, (signals: AnswerSignals) => number])[] =
  [
    ['margin', (signals) => Math.max(-20, Math.min(20, signals.readerMargin ?? -20))],
    ['dense', (signals) => signals.topDense ?? 0],
    ['coverage', (signals) => signals.coverage ?? 0],
    ['unmatchedName', (signals) => signals.unmatchedName ?? 0],
    ['sentence', (signals) => signals.sentenceScore ?? 0],
    ['windowCoverage', (signals) => signals.windowCoverage ?? 0],
    ['unmatchedNumber', (signals) => signals.unmatchedNumber ?? 0],
    ['sourceUnmatchedName', (signals) => signals.sourceUnmatchedName ?? 0],
    ['negation', (signals) => signals.negation ?? 0],
    ['chosenMargin', (signals) => Math.max(-20, Math.min(20, signals.chosenMargin ?? -20))],
    ['typeMismatch', (signals) => signals.typeMismatch ?? 0],
    ['support', (signals) => signals.support ?? 0],
    ['answerInQuestion', (signals) => signals.answerInQuestion ?? 0],
  ];

/**
 * The confidence model of {@link Abstention}: the sigmoid of its bias, its weights times
 * {@link AbstentionSignals}, and its [CLS] probe when it has one of `cls`'s width.
 */
export function abstentionConfidence(
  signals: AnswerSignals,
  abstention: Omit<Abstention, 'threshold'>,
  cls?: ArrayLike<number>,
): number {
  let z = abstention.bias;
  for (const [weight, value] of AbstentionSignals) z += (abstention[weight] ?? 0) * value(signals);
  if (abstention.cls && cls && cls.length === abstention.cls.length) {
    for (let d = 0; d < cls.length; d++) z += abstention.cls[d]! * cls[d]!;
  }
  return 1 / (1 + Math.exp(-z));
}

/**
 * True when another passage's best reading gives the short answer too (the same words, or one inside
 * the other): two passages agreeing is evidence a lone reading lacks.
 */
export function supported(shortAnswer: string, chosen: number, readings: readonly PassageReading[]): boolean {
  const answer = comparable(shortAnswer);
  if (!answer) return false;
  return readings.some((reading) => {
    if (reading.passage === chosen || !(reading.margin > 0)) return false;
    const other = comparable(reading.text);
    return other.length > 0 && (other.includes(answer) || answer.includes(other));
  });
}

/** Lower-cased words between spaces, so that containment matches whole words ("5" is not in "50"). */
function comparable(text: string): string {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu);
  return words ? ` ${words.join(' ')} ` : '';
}

// A capitalised word after the question's first: a name, title or place ("Eiffel", "Jaws", "Tokyo").
const NAME = /(?<=\s)[\p{Lu}][\p{L}\p{N}]+/gu;

/** True when a name in the question appears in none of the sources (case-insensitive, whole word). */
export function unmatchedName(question: string, sources: readonly RetrievedChunk[]): boolean {
  const names = [...question.matchAll(NAME)].map((match) => match[0].toLowerCase());
  if (names.length === 0) return false;
  const words = new Set(
    sources.flatMap((source) => source.text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []),
  );
  return names.some((name) => !words.has(name));
}

// Digits with their thousands separators and decimals: "1,200", "3.5", "2015".
const NUMBER = /\p{N}+(?:[.,]\p{N}+)*/gu;

/** True when a number in the question (digits: a year, a count, a date) is not in `text`. */
export function unmatchedNumber(question: string, text: string): boolean {
  const numbers = question.match(NUMBER) ?? [];
  if (numbers.length === 0) return false;
  const present = new Set(text.match(NUMBER) ?? []);
  return numbers.some((number) => !present.has(number));
}

const NEGATION = /\b(?:not|never|no|none|neither|nor|without)\b|n't\b/iu;

/** The sentences of a source in document offsets: the stored ones, else split now. */
function sentencesOf(
  source: RetrievedChunk,
  stored: ReadonlyArray<{ start: number; end: number }> | undefined,
): ReadonlyArray<{ start: number; end: number }> {
  return (
    stored ??
    splitSentences(source.text).map((span) => ({
      start: source.start + span.start,
      end: source.start + span.end,
    }))
  );
}

/** The chosen sentence with the sentences either side of it in its chunk. */
function windowText(
  source: RetrievedChunk,
  choice: { start: number; end: number },
  stored: ReadonlyArray<{ start: number; end: number }> | undefined,
): string {
  const sentences = sentencesOf(source, stored);
  const first = sentences.findIndex((span) => span.end > choice.start);
  const last = sentences.findLastIndex((span) => span.start < choice.end);
  if (first < 0 || last < 0) return source.text.slice(choice.start - source.start, choice.end - source.start);
  const from = sentences[Math.max(0, first - 1)]!.start;
  const to = sentences[Math.min(sentences.length - 1, last + 1)]!.end;
  return source.text.slice(Math.max(0, from - source.start), Math.max(0, to - source.start));
}

/** The sentence (or sentences, when the answer straddles them) of `source` that holds the reading. */
function evidenceSpan(
  source: RetrievedChunk,
  reading: PassageReading,
  stored: ReadonlyArray<{ start: number; end: number }> | undefined,
): { start: number; end: number } {
  const answerStart = source.start + reading.start;
  const answerEnd = source.start + reading.end;
  const sentences = sentencesOf(source, stored);
  const covering = sentences.filter((span) => span.end > answerStart && span.start < answerEnd);
  if (covering.length === 0) return { start: answerStart, end: answerEnd };
  return {
    start: Math.min(...covering.map((span) => span.start)),
    end: Math.max(...covering.map((span) => span.end)),
  };
}

/** The question's terms weighted by IDF over the sources, for {@link weightedCoverage} of one of them. */
function weighOverSources(question: string, sources: readonly RetrievedChunk[]): WeightedQuery {
  const units = sources.map((chunk) => stemmedTerms(chunk.text));
  return weighQuery(question, sources.length, (term) => units.filter((set) => set.has(term)).length);
}

const QUOTE_PAIRS: Record<string, string> = { '‘': '’', '“': '”', '"': '"', "'": "'", '(': ')', '[': ']' };

/**
 * `text.slice(start, end)`, widened by one character at either end where that closes a quote or bracket
 * the span opens but does not close (the reader cuts at words, so "‘cyber crime" loses its "’"), or
 * trimmed of an opener it never closes when the text offers no closer.
 */
export function balanceQuotes(text: string, start: number, end: number): string {
  let span = text.slice(start, end);
  for (const [open, close] of Object.entries(QUOTE_PAIRS)) {
    const opens = span.split(open).length - 1;
    const closes = open === close ? 0 : span.split(close).length - 1;
    const unbalanced = open === close ? opens % 2 === 1 : opens > closes;
    if (!unbalanced) continue;
    if (text[end] === close) {
      span += close;
      end += 1;
    } else if (span.startsWith(open)) {
      span = span.slice(open.length);
    }
  }
  for (const [open, close] of Object.entries(QUOTE_PAIRS)) {
    if (open === close) continue;
    if (span.split(close).length - 1 > span.split(open).length - 1 && text[start - 1] === open)
      span = open + span;
  }
  return span;
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

function metadataAnswer(source: RetrievedChunk, field: MetadataField, value: string): AnswerOutput {
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
