import { createHash } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoredAnswer } from './answer-store.js';

/** What a user said about an answer. */
export type Rating = 'helpful' | 'not_helpful';

/**
 * One line of `feedback.jsonl`. The first fields are those of an `articleqa eval` question (`id`,
 * `question`, `answers`, `article`, `answerable`), so helpful lines feed `articleqa eval` as they are.
 */
export interface FeedbackRecord {
  version: 1;
  /** The answer's id (the question's interaction or message id); the same for every vote on it. */
  id: string;
  question: string;
  /** For `helpful`: the short answer (or nothing when there was none); for `not_helpful`: empty, for a person to fill in. */
  answers: string[];
  /** Title of the first cited article, for a helpful answer that cited one. */
  article?: string;
  /** True for a helpful answer that did not abstain; absent otherwise (not known). */
  answerable?: boolean;
  rating: Rating;
  answer: string;
  shortAnswer: string;
  abstained: boolean;
  answerer: StoredAnswer['answerer'];
  citations: StoredAnswer['citations'];
  guildId: string;
  channelId: string;
  /** A pseudonym of the voter for this answer (not their Discord id): a later line with the same `id` and `voter` replaces an earlier one. */
  voter: string;
  answeredAt: string;
  /** ISO time of the vote. */
  at: string;
}

/** The feedback line for `rating` of `answer` by `userId`. */
export function feedbackRecord(answer: StoredAnswer, rating: Rating, userId: string): FeedbackRecord {
  const helpful = rating === 'helpful';
  const article = answer.citations[0]?.title;
  return {
    version: 1,
    id: answer.id,
    question: answer.question,
    answers: helpful && answer.shortAnswer ? [answer.shortAnswer] : [],
    ...(helpful && article ? { article } : {}),
    ...(helpful && !answer.abstained ? { answerable: true } : {}),
    rating,
    answer: answer.answer,
    shortAnswer: answer.shortAnswer,
    abstained: answer.abstained,
    answerer: answer.answerer,
    citations: answer.citations,
    guildId: answer.guildId,
    channelId: answer.channelId,
    voter: createHash('sha256').update(`${answer.id}:${userId}`).digest('hex').slice(0, 16),
    answeredAt: answer.answeredAt,
    at: new Date().toISOString(),
  };
}

/**
 * Appends feedback to one JSON Lines file. Each record is one `write` to a file opened for appending
 * (O_APPEND), so lines from concurrent votes, and from several shard processes on one host, never
 * interleave; within the process writes also go one at a time.
 */
export class FeedbackLog {
  readonly file: string;
  #last: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.file = file;
  }

  async append(record: FeedbackRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const write = this.#last.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, line, { flag: 'a' });
    });
    this.#last = write.catch(() => {});
    await write;
  }
}
