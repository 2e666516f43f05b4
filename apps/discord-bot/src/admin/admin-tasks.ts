/**
 * The admin commands' work in flight (ingests, removals), so shutdown can let it finish like the answers
 * in flight, then cancel what outlives the deadline instead of closing the collection under it.
 */
export class AdminTasks {
  readonly #running = new Map<Promise<unknown>, AbortController>();

  /** Tasks running now. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Runs `task` with a signal that shutdown aborts once its deadline passes. */
  async run<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const running = task(controller.signal);
    this.#running.set(running, controller);
    try {
      return await running;
    } finally {
      this.#running.delete(running);
    }
  }

  /**
   * Waits for the running tasks up to `timeoutMs`, then aborts the rest and gives them `graceMs` to
   * wind down (a commit in hand) and report.
   */
  async close({ timeoutMs, graceMs = 2000 }: { timeoutMs: number; graceMs?: number }): Promise<void> {
    if (this.#running.size === 0) return;
    if (await this.#settled(timeoutMs)) return;
    for (const controller of this.#running.values()) controller.abort(new Error('The bot is shutting down.'));
    await this.#settled(graceMs);
  }

  /** True when every running task settled within `ms`. */
  async #settled(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      Promise.allSettled([...this.#running.keys()]).then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    return done;
  }
}
