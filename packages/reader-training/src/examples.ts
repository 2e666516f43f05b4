import { type Chunk, normalizeForMatch, splitSentences, type WordPieceTokenizer } from '@articleqa/core';

/** One training example: a question, a passage and where the answer is in the passage's tokens. */
export interface ReaderExample {
  /** Question token ids, no special tokens. */
  q: number[];
  /** Passage token ids, no special tokens. */
  p: number[];
  /** First and last answer token in `p`, inclusive; both -1 when the passage does not answer. */
  s: number;
  e: number;
  /** What made the example: the gold chunk, a retrieved chunk without the answer, the gold chunk
   * with the answer's sentence taken out. */
  kind: 'positive' | 'hard-negative' | 'answer-removed' | 'perturbed';
  /** Question id, for splitting and debugging. */
  id: string;
}

/** A question of the training set, as in `questions.jsonl`. */
export interface TrainQuestion {
  id: string;
  question: string;
  answers: string[];
  paragraph_index?: number;
}

/** Settings of {@link buildExamples}. */
export interface ExampleOptions {
  /** Most tokens of question + passage + 3 special tokens. */
  maxTokens: number;
  /** Question tokens kept. */
  maxQuestionTokens: number;
  /** Probability of adding a hard negative for a question. */
  hardNegativeRate: number;
  /** Probability of adding an answer-removed passage for a question. */
  answerRemovedRate: number;
  /**
   * Probability of adding the question with one number or name swapped for another of the article
   * that its gold chunk never mentions, paired with that chunk as "no answer" (see
   * {@link perturbQuestion}). 0 in the recipe of the shipped weights.
   */
  perturbedRate?: number;
}

export const DefaultExampleOptions: ExampleOptions = {
  maxTokens: 256,
  maxQuestionTokens: 64,
  hardNegativeRate: 0.7,
  answerRemovedRate: 0.3,
};

/** Seeded PRNG (mulberry32), so preparation is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Where a question's answer is in the document text: the first occurrence of its first answer in the
 * paragraph it was written on (SQuAD's own convention when no offset is given), or undefined.
 */
export function locateAnswer(
  documentText: string,
  paragraphStart: number,
  paragraphEnd: number,
  answer: string,
): { start: number; end: number } | undefined {
  const at = documentText.slice(paragraphStart, paragraphEnd).indexOf(answer);
  if (at < 0 || answer.trim().length === 0) return undefined;
  return { start: paragraphStart + at, end: paragraphStart + at + answer.length };
}

/** Offsets of the paragraphs (blank-line separated) of a SQuAD article file inside the parsed text. */
export function paragraphOffsets(
  markdown: string,
  documentText: string,
): Array<[number, number] | undefined> {
  const paragraphs = markdown
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0 && !paragraph.startsWith('# '));
  let cursor = 0;
  return paragraphs.map((paragraph) => {
    const at = documentText.indexOf(paragraph, cursor);
    if (at < 0) return undefined;
    cursor = at + paragraph.length;
    return [at, at + paragraph.length];
  });
}

/** Token span `[s, e]` (inclusive) of the characters `[start, end)` in a tokenized passage. */
export function answerTokens(
  starts: readonly number[],
  ends: readonly number[],
  start: number,
  end: number,
): [number, number] | undefined {
  let s = -1;
  let e = -1;
  for (let i = 0; i < starts.length; i++) {
    if (s < 0 && ends[i]! > start) s = i;
    if (starts[i]! < end) e = i;
  }
  return s >= 0 && e >= s ? [s, e] : undefined;
}

const WORD = /[\p{L}\p{N}]+/gu;
const STOP = new Set(
  'the a an of in on at to for by with from and or is was were are be been what which who whom whose when where why how did do does that this these those as it its into than then'.split(
    ' ',
  ),
);

function terms(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).filter((term) => !STOP.has(term));
}

/**
 * Ranks chunks against a question with BM25 over the article's chunks: the hard negatives are the
 * chunks a lexical retriever would put first that do not hold the answer.
 */
export function rankChunks(question: string, chunks: readonly Chunk[]): number[] {
  const docs = chunks.map((chunk) => terms(chunk.text));
  const avg = docs.reduce((sum, doc) => sum + doc.length, 0) / Math.max(1, docs.length);
  const df = new Map<string, number>();
  for (const doc of docs) for (const term of new Set(doc)) df.set(term, (df.get(term) ?? 0) + 1);
  const query = [...new Set(terms(question))];
  const scores = docs.map((doc) => {
    const tf = new Map<string, number>();
    for (const term of doc) tf.set(term, (tf.get(term) ?? 0) + 1);
    let score = 0;
    for (const term of query) {
      const f = tf.get(term) ?? 0;
      if (f === 0) continue;
      const idf = Math.log(1 + (docs.length - df.get(term)! + 0.5) / (df.get(term)! + 0.5));
      score += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * doc.length) / avg));
    }
    return score;
  });
  return chunks.map((_, index) => index).sort((a, b) => scores[b]! - scores[a]!);
}

const NUMBER = /\b\d+(?:[.,]\d+)*\b/g;
// A capitalised word that is not the question's first.
const NAME = /(?<=\s)\p{Lu}[\p{L}\p{N}]+/gu;

/**
 * The question with one thing changed so that `passage` no longer answers it, the way SQuAD 2.0's
 * writers made most of its unanswerable questions (another year, another name): a number of the
 * question becomes another number of the article (or a nearby one) that `passage` does not contain,
 * or a capitalised name becomes another name of the article that `passage` does not contain.
 * Undefined when the question has neither, or no replacement fits.
 */
export function perturbQuestion(
  question: string,
  passage: string,
  article: string,
  random: () => number,
): string | undefined {
  const inPassage = (word: string) =>
    new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(word)}($|[^\\p{L}\\p{N}])`, 'u').test(passage);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const numbers = [...question.matchAll(NUMBER)];
  const names = [...question.matchAll(NAME)].filter(
    (match) => !/^(What|Which|Who|When|Where|Why|How)$/.test(match[0]),
  );
  const targets = [
    ...numbers.map((match) => ({ match, kind: 'number' as const })),
    ...names.map((match) => ({ match, kind: 'name' as const })),
  ];
  const target = pick(targets);
  if (!target) return undefined;
  const original = target.match[0];
  let candidates: string[];
  if (target.kind === 'number') {
    const value = Number(original.replace(/,/g, ''));
    const nearby =
      Number.isInteger(value) && !original.includes('.')
        ? [1, 2, 3, 5, 10]
            .flatMap((step) => [value + step, value - step])
            .filter((n) => n > 0)
            .map(String)
        : [];
    candidates = [...new Set([...(article.match(NUMBER) ?? []), ...nearby])];
  } else {
    // Capitalised function words open sentences ("The", "In"): not names.
    candidates = [...new Set(article.match(NAME) ?? [])].filter((name) => !STOP.has(name.toLowerCase()));
  }
  const fitting = candidates.filter(
    (candidate) => candidate !== original && !inPassage(candidate) && !question.includes(candidate),
  );
  const replacement = pick(fitting);
  if (replacement === undefined) return undefined;
  const at = target.match.index ?? 0;
  return `${question.slice(0, at)}${replacement}${question.slice(at + original.length)}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Builds the examples for one article's questions: for each question the chunk that holds its answer
 * (a span target), and at the given rates the best-ranked chunk that holds none of its answers, the
 * gold chunk with the answer's sentences taken out, and the question with a number or name swapped
 * against the gold chunk (all "no answer" targets).
 */
export function buildExamples(
  document: { text: string },
  chunks: readonly Chunk[],
  paragraphs: ReadonlyArray<[number, number] | undefined>,
  questions: readonly TrainQuestion[],
  tokenizer: WordPieceTokenizer,
  random: () => number,
  options: ExampleOptions = DefaultExampleOptions,
): { examples: ReaderExample[]; skipped: number } {
  const examples: ReaderExample[] = [];
  let skipped = 0;
  for (const question of questions) {
    const q = tokenizer.tokenize(question.question).ids.slice(0, options.maxQuestionTokens);
    const room = options.maxTokens - 3 - q.length;
    const paragraph = paragraphs[question.paragraph_index ?? -1];
    const answer =
      paragraph && question.answers[0] !== undefined
        ? locateAnswer(document.text, paragraph[0], paragraph[1], question.answers[0])
        : undefined;
    const golds = chunks.filter((chunk) => answer && chunk.start <= answer.start && answer.end <= chunk.end);
    if (!answer || golds.length === 0 || q.length === 0) {
      skipped++;
      continue;
    }
    const gold = golds[Math.floor(random() * golds.length)]!;
    const tokens = tokenizer.tokenize(document.text, gold.start, gold.end);
    const span = answerTokens(tokens.starts, tokens.ends, answer.start, answer.end);
    if (!span || span[1] >= room) {
      skipped++;
      continue;
    }
    examples.push({
      q,
      p: tokens.ids.slice(0, room),
      s: span[0],
      e: span[1],
      kind: 'positive',
      id: question.id,
    });

    const answers = question.answers.map(normalizeForMatch).filter((text) => text.length > 0);
    const holds = (text: string) => {
      const normal = normalizeForMatch(text);
      return answers.some((gold) => normal.includes(gold));
    };
    if (random() < options.hardNegativeRate) {
      const negative = rankChunks(question.question, chunks)
        .map((index) => chunks[index]!)
        .find((chunk) => !holds(chunk.text));
      if (negative) {
        const ids = tokenizer.tokenize(document.text, negative.start, negative.end).ids.slice(0, room);
        examples.push({ q, p: ids, s: -1, e: -1, kind: 'hard-negative', id: question.id });
      }
    }
    if (random() < options.answerRemovedRate) {
      const kept = splitSentences(document.text, gold.start, gold.end)
        .filter((sentence) => sentence.end <= answer.start || sentence.start >= answer.end)
        .map((sentence) => document.text.slice(sentence.start, sentence.end));
      const text = kept.join(' ');
      if (kept.length > 0 && !holds(text)) {
        const ids = tokenizer.tokenize(text).ids.slice(0, room);
        examples.push({ q, p: ids, s: -1, e: -1, kind: 'answer-removed', id: question.id });
      }
    }
    if (random() < (options.perturbedRate ?? 0)) {
      const changed = perturbQuestion(
        question.question,
        document.text.slice(gold.start, gold.end),
        document.text,
        random,
      );
      if (changed) {
        const ids = tokenizer.tokenize(changed).ids.slice(0, options.maxQuestionTokens);
        const room2 = options.maxTokens - 3 - ids.length;
        examples.push({
          q: ids,
          p: tokens.ids.slice(0, room2),
          s: -1,
          e: -1,
          kind: 'perturbed',
          id: question.id,
        });
      }
    }
  }
  return { examples, skipped };
}
