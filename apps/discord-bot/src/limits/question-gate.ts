import { Cooldowns } from './cooldown.js';
import { GuildLimiter, type LimiterTicket } from './guild-limiter.js';

/** Why a question in flight was abandoned: the bot is shutting down. Handlers tell the user so. */
export class ShutdownError extends Error {
  constructor(options?: ErrorOptions) {
    super('The bot is shutting down.', options);
    this.name = 'ShutdownError';
  }
}

/** Options of {@link QuestionGate}. */
export interface QuestionGateOptions {
  cooldownSeconds: number;
  guildConcurrency: number;
  queueSize: number;
  /** Questions answered at once in the whole process. @defaultValue unbounded */
  maxAnswers?: number;
  /** Questions waiting in the whole process once `maxAnswers` run. @defaultValue 0 */
  globalQueueSize?: number;
  maxQuestionLength: number;
  /** Clock for cooldowns. @defaultValue Date.now */
  now?: () => number;
}

/** Why a question was not taken. Each reason gets its own short notice. */
export type Rejection =
  | { ok: false; reason: 'closing' }
  | { ok: false; reason: 'too-long'; maxLength: number }
  | { ok: false; reason: 'cooldown'; retryAfterSeconds: number }
  | { ok: false; reason: 'busy' };

/** A question taken: it holds a slot or a queue place in its guild until {@link Admission.done}. */
export interface Admission {
  ok: true;
  /** Aborted when shutdown's deadline passes with the question still in flight. */
  signal: AbortSignal;
  /** Waits for the question's turn in its guild (immediate when a slot was free). */
  turn(): Promise<void>;
  /** Frees the slot or queue place. Call once handling is over, answer delivered or not. */
  done(): void;
}

/** What {@link QuestionGate.close} did. */
export interface DrainSummary {
  /** Questions in flight at shutdown that finished before the deadline. */
  finished: number;
  /** Questions cancelled at the deadline. */
  cancelled: number;
}

/**
 * The one door every question goes through, whether it came from `/ask` or a mention: shutdown state,
 * question length, per-user cooldown, then per-guild concurrency and queue. Admission is synchronous, so
 * a burst of events is admitted in order without races; the gate also knows what is in flight so that
 * shutdown can wait for it or cancel it.
 */
export class QuestionGate {
  readonly #options: QuestionGateOptions;
  readonly #cooldowns: Cooldowns;
  readonly #limiter: GuildLimiter;
  /** One "guild" for the whole process: the same slots-and-queue logic, process-wide. */
  readonly #global: GuildLimiter | undefined;
  readonly #active = new Set<AbortController>();
  /** Of `#active`, those whose turn has come (the rest wait in a queue). */
  #answering = 0;
  #accepting = true;
  #onIdle: (() => void) | undefined;

  constructor(options: QuestionGateOptions) {
    this.#options = options;
    this.#cooldowns = new Cooldowns({
      seconds: options.cooldownSeconds,
      ...(options.now ? { now: options.now } : {}),
    });
    this.#limiter = new GuildLimiter({ concurrency: options.guildConcurrency, queueSize: options.queueSize });
    this.#global =
      options.maxAnswers === undefined
        ? undefined
        : new GuildLimiter({ concurrency: options.maxAnswers, queueSize: options.globalQueueSize ?? 0 });
  }

  /** False once shutdown has begun. */
  get accepting(): boolean {
    return this.#accepting;
  }

  /** Questions taken and not yet done (running or queued). */
  get inFlight(): number {
    return this.#active.size;
  }

  /** Questions whose turn has come: being answered now. */
  get answering(): number {
    return this.#answering;
  }

  /** Questions taken and waiting for a slot, in their guild's queue or the process-wide one. */
  get waiting(): number {
    return this.#active.size - this.#answering;
  }

  /**
   * Decides whether a question is taken now. Never waits.
   *
   * @param request.followUp - A follow-up in the bot's own thread: part of a conversation already
   *   admitted, so the asker's cooldown does not apply (the guild and process bounds still do).
   */
  admit(request: {
    userId: string;
    guildId: string;
    question: string;
    followUp?: boolean;
  }): Admission | Rejection {
    if (!this.#accepting) return { ok: false, reason: 'closing' };
    if (request.question.length > this.#options.maxQuestionLength) {
      return { ok: false, reason: 'too-long', maxLength: this.#options.maxQuestionLength };
    }
    const waitMs = request.followUp ? 0 : this.#cooldowns.remainingMs(request.userId);
    if (waitMs > 0) return { ok: false, reason: 'cooldown', retryAfterSeconds: Math.ceil(waitMs / 1000) };
    const ticket: LimiterTicket | undefined = this.#limiter.tryEnter(request.guildId);
    if (!ticket) return { ok: false, reason: 'busy' };
    // Then the process-wide bound: a burst from many guilds at once waits here or is turned away.
    const global = this.#global?.tryEnter('*');
    if (this.#global && !global) {
      ticket.release();
      return { ok: false, reason: 'busy' };
    }
    this.#cooldowns.start(request.userId);
    const controller = new AbortController();
    this.#active.add(controller);
    let answering = false;
    return {
      ok: true,
      signal: controller.signal,
      turn: async () => {
        await ticket.turn(controller.signal);
        await global?.turn(controller.signal);
        if (!answering && this.#active.has(controller)) {
          answering = true;
          this.#answering += 1;
        }
      },
      done: () => {
        global?.release();
        ticket.release();
        if (answering) {
          answering = false;
          this.#answering -= 1;
        }
        if (this.#active.delete(controller) && this.#active.size === 0) this.#onIdle?.();
      },
    };
  }

  /**
   * Stops taking questions, lets those in flight finish for `timeoutMs`, then aborts the rest and gives
   * their handlers `graceMs` to tell their users before returning.
   */
  async close(options: { timeoutMs: number; graceMs?: number }): Promise<DrainSummary> {
    this.#accepting = false;
    const atStart = this.#active.size;
    await this.#idle(options.timeoutMs);
    const cancelled = this.#active.size;
    for (const controller of this.#active) controller.abort(new ShutdownError());
    if (cancelled > 0) await this.#idle(options.graceMs ?? 2000);
    return { finished: atStart - cancelled, cancelled };
  }

  #idle(timeoutMs: number): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#onIdle = undefined;
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.#onIdle = finish;
    });
  }
}
