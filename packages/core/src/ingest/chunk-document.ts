import { type SentenceSpan, splitSentences } from '../text/sentences.js';

/** What the chunker needs to know of the embedder: its tokenizer and its input limit. */
export interface ChunkTokenizer {
  /** Tokens of `text` without special tokens. */
  countTokens(text: string): number;
  /** Model input limit including special tokens. */
  maxTokens: number;
}

/** Chunking settings. Recorded in the index manifest: changing them means re-ingesting. */
export interface ChunkOptions {
  /**
   * Tokens of article text a chunk aims for. Chunks never exceed the model limit minus the title and
   * special tokens, whatever this says.
   * @defaultValue 160
   */
  targetTokens?: number;
  /**
   * Whole sentences repeated from the end of one chunk at the start of the next, so an answer that
   * straddles a boundary is whole in one of them.
   * @defaultValue 1
   */
  overlapSentences?: number;
  /**
   * Title tokens carried in front of each chunk for embedding; longer titles are cut.
   * @defaultValue 32
   */
  maxTitleTokens?: number;
}

/**
 * Defaults measured on the SQuAD dev half (see docs/benchmarks.md): around 160 tokens (~700 characters)
 * with one sentence of overlap gave the best answer recall at rank 1 without losing recall at 5.
 */
export const DefaultChunkOptions = {
  targetTokens: 160,
  overlapSentences: 1,
  maxTitleTokens: 32,
} as const satisfies Required<ChunkOptions>;

/** A piece of a document: `documentText.slice(start, end) === text`. */
export interface Chunk {
  /** Position of the chunk in its document, from 0. */
  index: number;
  start: number;
  end: number;
  text: string;
  /** Tokens of `text` (no special tokens). */
  tokens: number;
  /** What is embedded: the title as context, then the chunk text. */
  embedText: string;
  /** The chunk's sentences (long ones cut at word boundaries), in document offsets. */
  sentences: SentenceSpan[];
  /**
   * How many of `sentences`, from the first, repeat the last ones of the chunk before: 0 for the first
   * chunk, and never all of them (a chunk that holds nothing else counts 0).
   */
  overlap: number;
  /**
   * `embedText` without the overlap: the title, then the chunk from its first sentence of its own. What
   * the model reads when the chunk before is embedded in the same pass: the chunk's vector is this
   * text's, and the repeated sentences keep their vectors from the chunk before, so that no sentence is
   * run through the model twice. Equal to `embedText` when `overlap` is 0.
   */
  freshEmbedText: string;
}

// [CLS] and [SEP] for BERT-style models; other models use at most as many.
const SPECIAL_TOKENS = 2;
// Packed sums this close to the limit are checked with a full count.
const NEAR_LIMIT_MARGIN = 16;

/**
 * Splits a document into sentence-aligned chunks packed to a token budget measured with the
 * embedder's own tokenizer, with whole-sentence overlap and exact character offsets.
 */
export function chunkDocument(
  document: { title: string; text: string },
  tokenizer: ChunkTokenizer,
  options: ChunkOptions = {},
): Chunk[] {
  const settings = { ...DefaultChunkOptions, ...options };
  const titleContext = truncateToTokens(document.title.trim(), settings.maxTitleTokens, tokenizer);
  const titleTokens = titleContext ? tokenizer.countTokens(titleContext) + 1 : 0;
  const hardLimit = tokenizer.maxTokens - SPECIAL_TOKENS - titleTokens;
  if (hardLimit < 8)
    throw new RangeError(`The model limit of ${tokenizer.maxTokens} tokens leaves no room for text.`);
  const budget = Math.min(settings.targetTokens, hardLimit);

  const pieces = splitLongSentences(document.text, splitSentences(document.text), budget, tokenizer);
  const chunks: Chunk[] = [];
  const withTitle = (text: string) => (titleContext ? `${titleContext}\n${text}` : text);
  let first = 0;
  let overlap = 0;
  while (first < pieces.length) {
    let last = first;
    let tokens = pieces[first]!.tokens;
    while (last + 1 < pieces.length && tokens + pieces[last + 1]!.tokens <= budget) {
      last += 1;
      tokens += pieces[last]!.tokens;
    }
    const start = pieces[first]!.start;
    let text = document.text.slice(start, pieces[last]!.end);
    // WordPiece counts add up over whitespace-separated pieces, so the sum is exact for BERT models.
    // Other tokenizers may merge across a boundary: near the model limit, count the whole chunk (a
    // recount of every chunk cost ~2% of ingest time) and shrink it until the model will not truncate.
    if (tokens > hardLimit - NEAR_LIMIT_MARGIN) {
      tokens = tokenizer.countTokens(text);
      while (tokens > hardLimit && last > first) {
        last -= 1;
        text = document.text.slice(start, pieces[last]!.end);
        tokens = tokenizer.countTokens(text);
      }
    }
    const end = pieces[last]!.end;
    const embedText = withTitle(text);
    // Overlap and a next sentence over the budget leave a chunk of overlap alone: it is read whole.
    if (first + overlap > last) overlap = 0;
    chunks.push({
      index: chunks.length,
      start,
      end,
      text,
      tokens,
      embedText,
      sentences: pieces.slice(first, last + 1).map(({ start, end }) => ({ start, end })),
      overlap,
      freshEmbedText:
        overlap > 0 ? withTitle(document.text.slice(pieces[first + overlap]!.start, end)) : embedText,
    });
    if (last + 1 >= pieces.length) break;
    // Step back for overlap, but always move forward and keep the overlap under half the budget.
    let next = last + 1;
    let overlapTokens = 0;
    for (let step = 0; step < settings.overlapSentences && next - 1 > first; step += 1) {
      const candidate = pieces[next - 1]!;
      if (overlapTokens + candidate.tokens > budget / 2) break;
      overlapTokens += candidate.tokens;
      next -= 1;
    }
    overlap = last + 1 - next;
    first = next;
  }
  return chunks;
}

interface Piece extends SentenceSpan {
  tokens: number;
}

function splitLongSentences(
  text: string,
  sentences: SentenceSpan[],
  budget: number,
  tokenizer: ChunkTokenizer,
): Piece[] {
  const pieces: Piece[] = [];
  for (const sentence of sentences) {
    const tokens = tokenizer.countTokens(text.slice(sentence.start, sentence.end));
    if (tokens <= budget) {
      pieces.push({ ...sentence, tokens });
      continue;
    }
    pieces.push(...splitByWords(text, sentence, budget, tokenizer));
  }
  return pieces;
}

/** Cuts an over-long sentence at word boundaries into pieces that fit the budget. */
function splitByWords(text: string, span: SentenceSpan, budget: number, tokenizer: ChunkTokenizer): Piece[] {
  const words: SentenceSpan[] = [];
  const pattern = /\S+/g;
  const slice = text.slice(span.start, span.end);
  for (let match = pattern.exec(slice); match; match = pattern.exec(slice)) {
    words.push({ start: span.start + match.index, end: span.start + match.index + match[0].length });
  }
  const pieces: Piece[] = [];
  let current: Piece | undefined;
  for (const word of words) {
    const wordTokens = tokenizer.countTokens(text.slice(word.start, word.end));
    if (wordTokens > budget) {
      // A "word" longer than the budget (a URL, a base64 blob): cut it by characters.
      if (current) pieces.push(current);
      current = undefined;
      let cursor = word.start;
      while (cursor < word.end) {
        let end = Math.min(word.end, cursor + budget);
        while (end > cursor + 1 && tokenizer.countTokens(text.slice(cursor, end)) > budget) {
          end = cursor + Math.floor((end - cursor) / 2);
        }
        pieces.push({ start: cursor, end, tokens: tokenizer.countTokens(text.slice(cursor, end)) });
        cursor = end;
      }
      continue;
    }
    if (current && current.tokens + wordTokens <= budget) {
      current.end = word.end;
      current.tokens += wordTokens;
      continue;
    }
    if (current) pieces.push(current);
    current = { start: word.start, end: word.end, tokens: wordTokens };
  }
  if (current) pieces.push(current);
  return pieces;
}

function truncateToTokens(text: string, maxTokens: number, tokenizer: ChunkTokenizer): string {
  if (maxTokens <= 0) return '';
  if (tokenizer.countTokens(text) <= maxTokens) return text;
  const words = text.split(/\s+/);
  let kept = '';
  for (const word of words) {
    const candidate = kept ? `${kept} ${word}` : word;
    if (tokenizer.countTokens(candidate) > maxTokens) break;
    kept = candidate;
  }
  return kept;
}
