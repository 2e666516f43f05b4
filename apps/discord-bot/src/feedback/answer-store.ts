import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AskResult, Citation } from '../qa-service.js';

/** An answer as the bot delivered it, kept so its buttons still work after a restart or on another shard. */
export interface StoredAnswer {
  version: 1;
  /** The question's id: the `/ask` interaction's or the question message's. */
  id: string;
  question: string;
  answer: string;
  /** Empty when there is none. */
  shortAnswer: string;
  abstained: boolean;
  answerer: AskResult['answerer'];
  citations: Citation[];
  guildId: string;
  channelId: string;
  /** ISO time the answer was delivered. */
  answeredAt: string;
}

/** The record of `result`, answering `question` (id `id`) in a guild channel. */
export function storedAnswer(
  result: AskResult,
  where: { id: string; question: string; guildId: string; channelId: string },
): StoredAnswer {
  return {
    version: 1,
    ...where,
    answer: result.answer,
    shortAnswer: result.shortAnswer?.trim() ?? '',
    abstained: result.abstained,
    answerer: result.answerer,
    citations: [...result.citations],
    answeredAt: new Date().toISOString(),
  };
}

/** Answer ids are snowflakes; anything else in a file name (from a forged custom id) is refused. */
const ID = /^\d{1,20}$/;

/**
 * Answers on disk, one JSON file each in `<dir>/answers/`, written to a temporary name and renamed, so a
 * reader never sees half a file and a crash leaves no broken one. Shards on one host share the folder.
 */
export class AnswerStore {
  readonly #dir: string;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'answers');
  }

  /** Creates the folder; throws when it cannot be written (main reports that at start). */
  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
  }

  async save(answer: StoredAnswer): Promise<void> {
    if (!ID.test(answer.id)) throw new Error(`Not an answer id: ${answer.id}`);
    const file = join(this.#dir, `${answer.id}.json`);
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, `${JSON.stringify(answer)}\n`, { flag: 'wx' });
    await rename(temporary, file);
  }

  /** The answer with `id`, or undefined when it was never kept or has been pruned. */
  async load(id: string): Promise<StoredAnswer | undefined> {
    if (!ID.test(id)) return undefined;
    try {
      return JSON.parse(await readFile(join(this.#dir, `${id}.json`), 'utf8')) as StoredAnswer;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Deletes answers older than `maxAgeMs` (and leftovers of interrupted writes); returns how many. */
  async prune(maxAgeMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.#dir)) {
      const file = join(this.#dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && now - info.mtimeMs > maxAgeMs) {
        await unlink(file).catch(() => {});
        removed += 1;
      }
    }
    return removed;
  }
}
