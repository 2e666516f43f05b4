import { Events, type Message, type SendableChannels, ThreadAutoArchiveDuration } from 'discord.js';
import type { Logger } from 'pino';
import {
  type BotContext,
  forGuild,
  isAllowedChannel,
  NO_MENTIONS,
  recordAnswer,
  recordDelivered,
} from '../bot-context.js';
import { attachAnswerButtons } from '../components/answer-buttons.js';
import { deliver } from '../delivery/deliver.js';
import { formatAnswer } from '../format/answer-reply.js';
import {
  APOLOGY,
  CANCELLED_BY_SHUTDOWN,
  DIRECT_MESSAGE_POINTER,
  helpText,
  rejectionNotice,
} from '../format/notices.js';
import { isAcknowledgement, questionFromMention, threadName } from '../format/question-text.js';
import { type Admission, ShutdownError } from '../limits/question-gate.js';
import { cannotPost, missingPermissions } from '../permissions/channel-permissions.js';
import { threadHistory } from '../threads/thread-history.js';

/** The event this handler listens to. */
export const name = Events.MessageCreate;

/** Discord shows "typing…" for 10 s per call; refreshing a little earlier keeps it steady. */
const TYPING_REFRESH_MS = 8000;

/**
 * Answers a message that mentions the bot in an allowed channel, or, in thread mode, any message in a
 * thread the bot opened (a follow-up, answered with the thread's history). A DM gets a one-line pointer
 * to a server. Everything else is ignored without a word: bots (the bot itself included), webhooks,
 * system messages, other channels, and `@everyone`/role mentions, which are not addressed to the bot.
 */
export async function execute(context: BotContext, message: Message): Promise<void> {
  const me = message.client.user;
  if (message.author.bot || message.webhookId !== null || message.system) return;
  if (!message.inGuild()) return void (await pointToServer(context, message));
  const channel = message.channel;
  const followUp = context.config.threadMode && channel.isThread() && channel.ownerId === me.id;
  if (!followUp && !message.mentions.users.has(me.id)) return;
  if (!isAllowedChannel(context.config, channel.id, channel.isThread() ? channel.parentId : null)) return;

  const logger = context.logger.child({
    requestId: message.id,
    kind: followUp ? 'thread-follow-up' : 'mention',
    guildId: message.guildId,
    channelId: channel.id,
    userId: message.author.id,
  });
  const own = message.guild.members.me;
  const permissions = own ? channel.permissionsFor(own) : null;
  const missing = permissions
    ? missingPermissions(permissions, { threadMode: context.config.threadMode, inThread: channel.isThread() })
    : [];
  if (missing.length > 0 && context.permissionReminders.due(channel.id)) {
    // Nobody in the channel would see a notice the bot cannot post: the operator's log is the place.
    logger.warn({ missing }, 'the bot lacks permissions in this channel');
  }
  if (cannotPost(missing)) return;
  const source = followUp ? 'follow_up' : 'mention';
  // failIfNotExists false: if the question was deleted meanwhile, the reply is sent as a plain message.
  const reply = (content: string) =>
    message.reply({ content, allowedMentions: NO_MENTIONS, failIfNotExists: false });
  try {
    const question = questionFromMention(message.content, me.id);
    // "thanks!" or an emoji in the bot's thread closes the exchange; it is not a question.
    if (followUp && isAcknowledgement(question)) {
      logger.debug('acknowledgement in the thread: not answered');
      return;
    }
    if (question === '') return void (await reply(helpText(context.config)));
    context.metrics.questions.inc({ source });
    const admission = context.gate.admit({
      userId: message.author.id,
      guildId: message.guildId,
      question,
      followUp,
    });
    if (!admission.ok) {
      logger.info({ reason: admission.reason }, 'question refused');
      context.metrics.refusals.inc({ reason: admission.reason });
      return void (await reply(rejectionNotice(admission)));
    }
    await answer({
      context: forGuild(context, message.guildId),
      logger,
      message,
      question,
      admission,
      followUp,
    });
    recordDelivered(context, source, message.createdTimestamp);
  } catch (error) {
    const cancelled = error instanceof ShutdownError;
    context.metrics.failures.inc();
    if (cancelled) logger.warn({ err: error }, 'answer cancelled by shutdown');
    else logger.error({ err: error }, 'mention handler failed');
    await reply(cancelled ? CANCELLED_BY_SHUTDOWN : APOLOGY).catch((sendError: unknown) =>
      logger.warn({ err: sendError }, 'could not tell the user about the failure'),
    );
  }
}

/** One accepted question from a message, on its way to an answer. */
interface MessageQuestion {
  context: BotContext;
  logger: Logger;
  message: Message<true>;
  question: string;
  admission: Admission;
  /** A follow-up in the bot's own thread: answered with the thread's history. */
  followUp: boolean;
}

async function answer({
  context,
  logger,
  message,
  question,
  admission,
  followUp,
}: MessageQuestion): Promise<void> {
  const channel = message.channel;
  const stopTyping = keepTyping(channel, logger);
  try {
    await admission.turn();
    const history =
      followUp && channel.isThread()
        ? await threadHistory(channel, { botId: message.client.user.id, before: message.id })
        : [];
    const result = await context.qa.ask(question, {
      signal: admission.signal,
      ...(history.length > 0 ? { history } : {}),
    });
    recordAnswer(context, logger, result, { historyTurns: history.length });
    const [first, ...rest] = await attachAnswerButtons(context, logger, formatAnswer(result), result, {
      id: message.id,
      question,
      guildId: message.guildId,
      channelId: channel.id,
    });
    if (!first) throw new Error('formatAnswer returned no message');
    const thread =
      context.config.threadMode && !channel.isThread()
        ? await openThread(message, question, logger)
        : undefined;
    // Each part is tried again when Discord has a blip. Its nonce (question id and part number), enforced,
    // makes a repeat of a create whose response was lost return the message Discord already made.
    const send = (index: number, post: (nonce: { nonce: string; enforceNonce: true }) => Promise<unknown>) =>
      deliver(() => post({ nonce: `${message.id}-${index}`, enforceNonce: true }), {
        logger,
        retry: context.deliveryRetry,
        signal: admission.signal,
        what: index === 0 ? 'answer' : `answer part ${index + 1}`,
        onRetry: () => context.metrics.deliveryRetries.inc(),
      });
    for (const [index, part] of [first, ...rest].entries()) {
      const payload = { ...part, allowedMentions: NO_MENTIONS };
      if (thread) await send(index, (nonce) => thread.send({ ...payload, ...nonce }));
      else if (index === 0)
        await send(index, (nonce) => message.reply({ ...payload, ...nonce, failIfNotExists: false }));
      else await send(index, (nonce) => channel.send({ ...payload, ...nonce }));
    }
  } catch (error) {
    throw admission.signal.aborted ? new ShutdownError({ cause: error }) : error;
  } finally {
    stopTyping();
    admission.done();
  }
}

/** A DM: nothing is answered there; one line says where the bot works. */
async function pointToServer(context: BotContext, message: Message): Promise<void> {
  if (!message.channel.isDMBased()) return;
  context.logger.debug(
    { requestId: message.id, userId: message.author.id },
    'direct message: pointed to a server',
  );
  await message
    .reply({ content: DIRECT_MESSAGE_POINTER, allowedMentions: NO_MENTIONS, failIfNotExists: false })
    .catch((error: unknown) => context.logger.warn({ err: error }, 'could not answer a direct message'));
}

/** A thread on the question's message for the answer; without permission to make one, the answer is a plain reply. */
async function openThread(
  message: Message<true>,
  question: string,
  logger: Logger,
): Promise<SendableChannels | undefined> {
  try {
    return await message.startThread({
      name: threadName(readableQuestion(message) || question),
      autoArchiveDuration: ThreadAutoArchiveDuration.OneDay,
    });
  } catch (error) {
    logger.warn({ err: error }, 'could not open a thread; replying in the channel');
    return undefined;
  }
}

/** Shows "typing…" until stopped. Typing is cosmetic: its failures are logged at debug and ignored. */
function keepTyping(channel: SendableChannels, logger: Logger): () => void {
  const type = () =>
    void channel.sendTyping().catch((error: unknown) => logger.debug({ err: error }, 'typing failed'));
  type();
  const timer = setInterval(type, TYPING_REFRESH_MS);
  return () => clearInterval(timer);
}

/**
 * The question as people read it: discord.js's `cleanContent` shows mentions as `@name` and `#channel`;
 * the bot's own mention is dropped, as from the question itself.
 */
function readableQuestion(message: Message<true>): string {
  const me = message.guild.members.me?.displayName ?? message.client.user.username;
  return message.cleanContent.split(`@${me}`).join(' ').replace(/\s+/g, ' ').trim();
}
