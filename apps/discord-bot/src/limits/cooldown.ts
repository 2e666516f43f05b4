/** Options of {@link Cooldowns}. */
export interface CooldownOptions {
  /** Seconds between two accepted questions of one user; 0 turns cooldowns off. */
  seconds: number;
  /** Clock, injectable for tests. @defaultValue Date.now */
  now?: () => number;
}

/**
 * Per-user cooldown. Checking and starting are separate so that a question refused for another reason
 * (the guild is busy) does not cost the user their turn.
 */
export class Cooldowns {
  readonly #windowMs: number;
  readonly #now: () => number;
  /** User id -> time the cooldown ends. */
  readonly #until = new Map<string, number>();

  constructor(options: CooldownOptions) {
    this.#windowMs = options.seconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds until `userId` may ask again; 0 when they may ask now. */
  remainingMs(userId: string): number {
    const until = this.#until.get(userId);
    return until === undefined ? 0 : Math.max(0, until - this.#now());
  }

  /** Starts the cooldown of `userId` now. */
  start(userId: string): void {
    if (this.#windowMs <= 0) return;
    const now = this.#now();
    // Expired entries are dropped as new ones come, so the map stays as small as the set of recent askers.
    if (this.#until.size >= 1024) {
      for (const [id, until] of this.#until) if (until <= now) this.#until.delete(id);
    }
    this.#until.set(userId, now + this.#windowMs);
  }
}
