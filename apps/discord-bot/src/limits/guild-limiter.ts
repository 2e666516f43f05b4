/** Options of {@link GuildLimiter}. */
export interface GuildLimiterOptions {
  /** Questions answered at once per guild. */
  concurrency: number;
  /** Questions that may wait per guild once all slots are taken. */
  queueSize: number;
}

/** A place taken in a guild: running, or waiting for a slot. */
export interface LimiterTicket {
  /** Resolves when the ticket holds a slot; rejects with the signal's reason if aborted while waiting. */
  turn(signal?: AbortSignal): Promise<void>;
  /** Gives the slot (or the place in the queue) back. Safe to call twice. */
  release(): void;
}

interface GuildState {
  running: number;
  waiting: Array<() => void>;
}

/**
 * Per-guild concurrency limit with a bounded FIFO queue. Admission ({@link tryEnter}) is synchronous, so
 * a burst of events handled in one tick is admitted in arrival order and never over-admitted.
 */
export class GuildLimiter {
  readonly #options: GuildLimiterOptions;
  readonly #guilds = new Map<string, GuildState>();

  constructor(options: GuildLimiterOptions) {
    this.#options = options;
  }

  /** Questions holding a slot in `guildId`. */
  running(guildId: string): number {
    return this.#guilds.get(guildId)?.running ?? 0;
  }

  /** Takes a slot or a queue place in `guildId`, or returns undefined when both are full. */
  tryEnter(guildId: string): LimiterTicket | undefined {
    const state = this.#guilds.get(guildId) ?? { running: 0, waiting: [] };
    this.#guilds.set(guildId, state);
    let holding = false;
    let released = false;
    let grant: () => void = () => {};
    const granted = new Promise<void>((resolve) => {
      grant = () => {
        holding = true;
        resolve();
      };
    });
    let waiter: (() => void) | undefined;
    if (state.running < this.#options.concurrency) {
      state.running += 1;
      grant();
    } else if (state.waiting.length < this.#options.queueSize) {
      waiter = () => grant();
      state.waiting.push(waiter);
    } else {
      return undefined;
    }
    return {
      turn: (signal) => {
        if (holding || !signal) return granted;
        return new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(signal.reason);
          if (signal.aborted) return onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          granted.then(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      },
      release: () => {
        if (released) return;
        released = true;
        if (!holding) {
          const index = waiter === undefined ? -1 : state.waiting.indexOf(waiter);
          if (index >= 0) state.waiting.splice(index, 1);
          return;
        }
        const next = state.waiting.shift();
        // The slot passes straight to the next waiter, so `running` stays the same.
        if (next) next();
        else state.running -= 1;
        if (state.running === 0 && state.waiting.length === 0) this.#guilds.delete(guildId);
      },
    };
  }
}
