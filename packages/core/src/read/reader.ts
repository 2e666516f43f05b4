/** What a reader found in one passage. */
export interface PassageReading {
  /** Position of the passage in the list given to {@link Reader.read}. */
  passage: number;
  /** The best short answer in the passage, `[start, end)` in the passage's text. */
  start: number;
  end: number;
  text: string;
  /** The model's score of that span (start logit + end logit). */
  spanScore: number;
  /** The model's score of "no answer here" (start and end logits at [CLS]). */
  nullScore: number;
  /**
   * `spanScore - nullScore`: above 0 the model would rather answer from this passage than not. Passages
   * are ranked by it, and abstention starts from it.
   */
  margin: number;
  /**
   * Per-token scores of the passage (of its best window when it was read in several), so that a caller
   * can find the best span inside any part of it, such as one sentence.
   */
  tokens?: TokenScores;
  /** The model's last hidden state at [CLS] for that window: a summary of how question and passage relate. */
  cls?: Float32Array;
}

/** Start and end logits of a passage's tokens, with each token's character span in the passage. */
export interface TokenScores {
  starts: readonly number[];
  ends: readonly number[];
  start: Float32Array;
  end: Float32Array;
}

/** Options for one {@link Reader.read} call. */
export interface ReadOptions {
  signal?: AbortSignal;
}

/**
 * Reads passages against a question: an extractive QA model. The offline answerer takes its short
 * answer from the best reading, and the reranking stage orders retrieved chunks by `margin`.
 */
export interface Reader {
  /** Identifies the model, e.g. `articleqa-reader@1:int8`. */
  readonly id: string;
  /** Loads the model ahead of the first call (optional: `read` loads it too). */
  ready?(): Promise<void>;
  /** One reading per passage, in the passages' order. */
  read(question: string, passages: readonly string[], options?: ReadOptions): Promise<PassageReading[]>;
  /** Releases the model. */
  close?(): Promise<void>;
}
