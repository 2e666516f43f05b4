import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Where a question came from: `/ask`, a mention, or a follow-up in the bot's thread. */
export type QuestionSource = 'slash' | 'mention' | 'follow_up';

/** What made an LLM call fail, as counted in `articleqa_llm_errors_total`. */
export type LLMErrorKind = 'auth' | 'rate_limit' | 'timeout' | 'server' | 'other';

/** What the metrics read from the running bot when Prometheus scrapes them. */
export interface MetricsSources {
  /** Questions holding an answer slot now. */
  answering(): number;
  /** Questions admitted and waiting for a slot: the queue depth. */
  waiting(): number;
  /** LLM calls in flight now, when an LLM is configured. */
  llmCallsInFlight?(): number;
}

/** Latency buckets in seconds: acknowledgements live under 3 s, answers up to the 60 s deadline and past it. */
const ACK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5];
const ANSWER_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];

/** A counter in `registry`. */
function counter<Label extends string = never>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly Label[] = [],
): Counter<Label> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** A histogram in `registry`, with `buckets` in seconds. */
function histogram<Label extends string = never>(
  registry: Registry,
  name: string,
  help: string,
  buckets: number[],
  labelNames: readonly Label[],
): Histogram<Label> {
  return new Histogram({ name, help, buckets, labelNames, registers: [registry] });
}

/**
 * The bot's Prometheus metrics, in a registry of their own (never prom-client's global one, so two bots
 * in one process, as in tests, do not collide). Names and labels are listed in the README.
 */
export class BotMetrics {
  readonly registry = new Registry();
  readonly questions = counter(
    this.registry,
    'articleqa_questions_total',
    'Questions received, by source (slash, mention, follow_up).',
    ['source'],
  );
  readonly refusals = counter(
    this.registry,
    'articleqa_questions_refused_total',
    'Questions refused before answering, by reason (busy, cooldown, too-long, closing).',
    ['reason'],
  );
  readonly answers = counter(
    this.registry,
    'articleqa_answers_total',
    'Answers delivered, by answerer (llm, extractive) and outcome (answered, abstained).',
    ['answerer', 'outcome'],
  );
  readonly fallbacks = counter(
    this.registry,
    'articleqa_llm_fallbacks_total',
    'Answers given offline because the LLM failed.',
  );
  readonly llmErrors = counter(
    this.registry,
    'articleqa_llm_errors_total',
    'Failed LLM calls, by kind (auth, rate_limit, timeout, server, other).',
    ['kind'],
  );
  readonly failures = counter(
    this.registry,
    'articleqa_handler_failures_total',
    'Questions that ended with an apology (or a shutdown notice) instead of an answer.',
  );
  readonly deliveryRetries = counter(
    this.registry,
    'articleqa_delivery_retries_total',
    'Answer messages tried again after a Discord 5xx or a network error.',
  );
  readonly feedback = counter(
    this.registry,
    'articleqa_feedback_total',
    'Votes on answers from their buttons, by rating (helpful, not_helpful).',
    ['rating'],
  );
  readonly discordRateLimits = counter(
    this.registry,
    'articleqa_discord_rate_limited_total',
    'Real 429 answers from Discord (not discord.js waiting out a bucket by itself), by global.',
    ['global'],
  );
  readonly acknowledgementSeconds = histogram(
    this.registry,
    'articleqa_acknowledgement_seconds',
    'From an interaction being created to the bot acknowledging it (Discord allows 3 s).',
    ACK_BUCKETS,
    [],
  );
  readonly answerSeconds = histogram(
    this.registry,
    'articleqa_answer_seconds',
    'From a question arriving to its whole answer delivered, queueing included, by source.',
    ANSWER_BUCKETS,
    ['source'],
  );
  readonly askSeconds = histogram(
    this.registry,
    'articleqa_ask_seconds',
    'Time the core took to answer (retrieval, reading, the LLM), by answerer.',
    ANSWER_BUCKETS,
    ['answerer'],
  );
  #sources: Partial<MetricsSources> = {};

  constructor(options: { processMetrics?: boolean } = {}) {
    const read = (pick: (sources: Partial<MetricsSources>) => number | undefined) =>
      function (this: Gauge) {
        const value = pick(metrics.#sources);
        if (value !== undefined) this.set(value);
      };
    const metrics = this;
    new Gauge({
      name: 'articleqa_questions_answering',
      help: 'Questions being answered now (holding one of ARTICLEQA_MAX_ANSWERS slots).',
      registers: [this.registry],
      collect: read((sources) => sources.answering?.()),
    });
    new Gauge({
      name: 'articleqa_queue_depth',
      help: 'Questions admitted and waiting for a slot, in their guild or in the process-wide queue.',
      registers: [this.registry],
      collect: read((sources) => sources.waiting?.()),
    });
    new Gauge({
      name: 'articleqa_llm_calls_in_flight',
      help: 'LLM calls in flight now (at most ARTICLEQA_MAX_LLM_CALLS).',
      registers: [this.registry],
      collect: read((sources) => sources.llmCallsInFlight?.()),
    });
    // Node's own (event-loop delay, heap, CPU, handles): for the process that serves, not for tests that
    // build many bots in one process (the event-loop monitor stays enabled for the process's life).
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Tells the gauges where to read (the bot gives the gate's counts, `main` the LLM's); later calls add to earlier. */
  observe(sources: Partial<MetricsSources>): void {
    this.#sources = { ...this.#sources, ...sources };
  }
}
