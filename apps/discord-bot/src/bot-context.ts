import type { MessageMentionOptions } from 'discord.js';
import type { Logger } from 'pino';
import type { BotConfig } from './config.js';
import type { DeliveryRetryOptions } from './delivery/deliver.js';
import type { QuestionGate } from './limits/question-gate.js';
import type { AskResult, QAService } from './qa-service.js';

/** What every command and event handler is given: built once in `createBot`, shared by all handlers. */
export interface BotContext {
  qa: QAService;
  config: BotConfig;
  /** A child logger carrying the request id of the event being handled. */
  logger: Logger;
  gate: QuestionGate;
  /** How answers are tried again when Discord has a blip. */
  deliveryRetry: DeliveryRetryOptions;
}

/** Sent with every message: parse nothing, so text quoted from articles or questions pings no one. */
export const NO_MENTIONS: Readonly<MessageMentionOptions> = Object.freeze({ parse: [], repliedUser: false });

/** True when the bot answers in `channelId` (or, for a thread, in its parent channel). */
export function isAllowedChannel(config: BotConfig, channelId: string, parentId: string | null): boolean {
  if (config.allowedChannels === undefined) return true;
  return config.allowedChannels.has(channelId) || (parentId !== null && config.allowedChannels.has(parentId));
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
