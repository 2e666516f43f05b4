import type { Logger } from 'pino';
import type { BotMetrics, LLMErrorKind } from './metrics.js';

/** Options of {@link LLMMonitor}. */
export interface LLMMonitorOptions {
  logger: Logger;
  metrics: BotMetrics;
  /** Failed calls in a row after which a warning is logged. @defaultValue 3 */
  warnAfter?: number;
}

/** The kind of an LLM failure, from the `status` the core's `LLMError` carries and its message. */
export function llmErrorKind(error: unknown): LLMErrorKind {
  const status = (error as { status?: unknown } | undefined)?.status;
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limit';
  if (typeof status === 'number' && status >= 500) return 'server';
  const message = error instanceof Error ? error.message : String(error);
  if (/did not answer within|timed? ?out/i.test(message)) return 'timeout';
  return 'other';
}

/**
 * Watches every LLM call (fed by the bounded chat model) so an operator hears about a failing provider:
 * a rejected key is an error at once, and any other failure becomes a warning once it repeats
 * `warnAfter` times in a row (then at every further doubling, so an outage is not one line per
 * question); the first success after that is logged too. Each failure is counted by kind.
 */
export class LLMMonitor {
  readonly #options: Required<LLMMonitorOptions>;
  #failuresInARow = 0;
  #nextWarning: number;
  #authReported = false;

  constructor(options: LLMMonitorOptions) {
    this.#options = { warnAfter: 3, ...options };
    this.#nextWarning = this.#options.warnAfter;
  }

  /** One LLM call ended; `error` is set when it failed. A call cancelled by its caller is not a failure. */
  readonly record = (outcome: { error?: unknown }): void => {
    const { logger, metrics, warnAfter } = this.#options;
    if (outcome.error === undefined) {
      if (this.#failuresInARow >= warnAfter)
        logger.info({ failedCalls: this.#failuresInARow }, 'the LLM answers again');
      this.#failuresInARow = 0;
      this.#nextWarning = warnAfter;
      this.#authReported = false;
      return;
    }
    const kind = llmErrorKind(outcome.error);
    metrics.llmErrors.inc({ kind });
    this.#failuresInARow += 1;
    if (kind === 'auth' && !this.#authReported) {
      this.#authReported = true;
      logger.error(
        { err: outcome.error },
        'the LLM provider rejected the API key: check OPENAI_API_KEY (and OPENAI_BASE_URL); answers are offline until then',
      );
    } else if (this.#failuresInARow >= this.#nextWarning) {
      this.#nextWarning *= 2;
      logger.warn(
        { err: outcome.error, kind, failedCalls: this.#failuresInARow },
        'the LLM keeps failing; answers are offline until it recovers',
      );
    }
  };
}
