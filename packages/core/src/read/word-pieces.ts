/**
 * Tokens of a text with the character span each came from. The reader needs these spans to turn the
 * token positions it predicts back into exact document offsets; the tokenizer of transformers.js 2
 * does not report offsets, so the text is split into words first and each word is tokenized alone.
 */
export interface TokenizedText {
  ids: number[];
  /** `starts[i]`/`ends[i]`: the character span of token `i` in the text it was cut from. */
  starts: number[];
  ends: number[];
}

/** Turns one word into WordPiece ids without special tokens. */
export type WordEncoder = (word: string) => number[];

// A word is a run of letters, marks and digits; every other visible character stands alone. This is
// where BERT's own pre-tokenizer cuts (whitespace and punctuation), plus symbols, which it keeps
// inside words but which never carry an answer boundary that matters. CJK ideographs stand alone
// as in BERT.
const WORD = /\p{Script=Han}|[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu;

// A word longer than this becomes [UNK] in BERT's WordPiece; cutting it keeps its offsets usable.
const MAX_WORD_CHARS = 100;

/**
 * WordPiece tokenization with character offsets, caching each distinct word's ids (a collection
 * repeats most of its words, and a cache hit costs a Map lookup instead of a tokenizer call).
 */
export class WordPieceTokenizer {
  private readonly cache = new Map<string, number[]>();

  constructor(
    private readonly encodeWord: WordEncoder,
    private readonly maxCacheSize = 200_000,
  ) {}

  /** Tokenizes `text.slice(from, to)`; offsets are in `text`. */
  tokenize(text: string, from = 0, to = text.length): TokenizedText {
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    WORD.lastIndex = 0;
    const slice = text.slice(from, to);
    for (const match of slice.matchAll(WORD)) {
      const word = match[0].slice(0, MAX_WORD_CHARS);
      const start = from + match.index;
      const end = start + match[0].length;
      const pieces = this.word(word);
      // Pieces of one word share its span: an answer boundary never falls inside a word.
      for (const id of pieces) {
        ids.push(id);
        starts.push(start);
        ends.push(end);
      }
    }
    return { ids, starts, ends };
  }

  private word(word: string): number[] {
    let ids = this.cache.get(word);
    if (!ids) {
      ids = this.encodeWord(word);
      if (this.cache.size >= this.maxCacheSize) this.cache.clear();
      this.cache.set(word, ids);
    }
    return ids;
  }
}
