import type { MessageMentionOptions } from 'discord.js';
import type { Logger } from 'pino';
import type { AdminTasks } from './admin/admin-tasks.js';
import type { Collections } from './collections/guild-collections.js';
import type { BotConfig } from './config.js';
import type { DeliveryRetryOptions } from './delivery/deliver.js';
import type { AnswerStore } from './feedback/answer-store.js';
import type { FeedbackLog } from './feedback/feedback-log.js';
import type { QuestionGate } from './limits/question-gate.js';
import type { BotMetrics, QuestionSource } from './operations/metrics.js';
import type { PermissionReminders } from './permissions/channel-permissions.js';
import type { AskResult, FeedService, QAService } from './qa-service.js';

/** What every command and event handler is given: built once in `createBot`, shared by all handlers. */
export interface BotContext {
  /** The collection of the guild whose event is handled (see {@link forGuild}). */
  qa: QAService;
  /** Every guild's collection. */
  collections: Collections;
  config: BotConfig;
  /** A child logger carrying the request id of the event being handled. */
  logger: Logger;
  gate: QuestionGate;
  /** How answers are tried again when Discord has a blip. */
  deliveryRetry: DeliveryRetryOptions;
  metrics: BotMetrics;
  /** When each channel's missing permissions were last pointed out. */
  permissionReminders: PermissionReminders;
  /** Delivered answers, for their buttons. */
  answers: AnswerStore;
  feedback: FeedbackLog;
  /** The followed feeds of the guild's collection, for `/feeds`. */
  feeds: FeedService;
  /** Admin commands' work in flight, waited for at shutdown. */
  adminTasks: AdminTasks;
}

/** The context for an event of `guildId`: its collection and its feeds (the shared ones when shared). */
export function forGuild(context: BotContext, guildId: string | null): BotContext {
  return { ...context, qa: context.collections.qa(guildId), feeds: context.collections.feeds(guildId) };
}

/** Sent with every message: parse nothing, so text quoted from articles or questions pings no one. */
export const NO_MENTIONS: Readonly<MessageMentionOptions> = Object.freeze({ parse: [], repliedUser: false });

/** True when the bot answers in `channelId` (or, for a thread, in its parent channel). */
export function isAllowedChannel(config: BotConfig, channelId: string, parentId: string | null): boolean {
  if (config.allowedChannels === undefined) return true;
  return config.allowedChannels.has(channelId) || (parentId !== null && config.allowedChannels.has(parentId));
}

/**
 * Logs an answer the core returned and counts it: by answerer and outcome, the fallbacks, and the time
 * the core took. `extra` adds fields to the log line.
 */
export function recordAnswer(
  context: Pick<BotContext, 'metrics'>,
  logger: Logger,
  result: AskResult,
  extra: Record<string, unknown> = {},
): void {
  logger.info({ ...answerLogFields(result), ...extra }, 'answered');
  const { metrics } = context;
  metrics.answers.inc({ answerer: result.answerer, outcome: result.abstained ? 'abstained' : 'answered' });
  if (result.answerer === 'extractive' && result.fallbackReason !== undefined) metrics.fallbacks.inc();
  metrics.askSeconds.observe({ answerer: result.answerer }, result.timings.totalMs / 1000);
}

/** Counts a question that arrived and how long it took, from its arrival to its last part delivered. */
export function recordDelivered(
  context: Pick<BotContext, 'metrics'>,
  source: QuestionSource,
  arrivedAt: number,
): void {
  context.metrics.answerSeconds.observe({ source }, (Date.now() - arrivedAt) / 1000);
}

/** The fields logged for every answer: enough to see which answerer ran, how well, and how fast. */
export function answerLogFields(result: AskResult): Record<string, unknown> {
  return {
    answerer: result.answerer,
    abstained: result.abstained,
    citations: result.citations.length,
    fallbackReason: result.fallbackReason,
    ms: Math.round(result.timings.totalMs),
  };
}
