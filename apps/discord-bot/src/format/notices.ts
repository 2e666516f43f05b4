import type { Rejection } from '../limits/question-gate.js';

/** Settings the help text describes, so it stays true to the running bot. */
export interface HelpTextOptions {
  threadMode: boolean;
  cooldownSeconds: number;
  maxQuestionLength: number;
  allowedChannels: ReadonlySet<string> | undefined;
  /** Guilds where `/articles` and `/feeds` work (mentioned in the help when there are any). */
  adminGuilds?: ReadonlySet<string> | undefined;
  /** With `per-guild`, `/articles` and `/feeds` work in every server (on its own collection). */
  collections?: 'shared' | 'per-guild';
}

/** The help text of `/help` and of an empty mention. */
export function helpText(options: HelpTextOptions): string {
  const lines = [
    '**Ask the articles indexed for this server.** Answers quote their sources with numbers like [1].',
    '• `/ask question:` — ask a question; the answer and its sources appear in the channel.',
    `• Mention me with a question${options.threadMode ? ': I answer in a thread, and you can ask follow-ups there.' : '.'}`,
    '• `/sources` — list the indexed articles (`page:` for more).',
    '• `/help` — this message.',
    ...(options.collections === 'per-guild' || (options.adminGuilds && options.adminGuilds.size > 0)
      ? [
          '• `/articles`, `/feeds` — for members with Manage Server: add, list and remove articles, follow feeds.',
        ]
      : []),
    `Questions may be up to ${options.maxQuestionLength} characters.${options.cooldownSeconds > 0 ? ` One question per ${options.cooldownSeconds} s per person.` : ''}`,
  ];
  if (options.allowedChannels !== undefined)
    lines.push(`I answer in ${channelList(options.allowedChannels)}.`);
  return lines.join('\n');
}

/** The short notice for a question the gate refused. */
export function rejectionNotice(rejection: Rejection): string {
  switch (rejection.reason) {
    case 'closing':
      return 'I am restarting and not taking questions right now. Please ask again in a minute.';
    case 'too-long':
      return `That question is too long: please keep it under ${rejection.maxLength} characters.`;
    case 'cooldown':
      return `Please wait ${rejection.retryAfterSeconds} s before asking another question.`;
    case 'busy':
      return 'I am answering too many questions in this server right now. Please try again in a moment.';
  }
}

/** Refusal for a channel outside ARTICLEQA_ALLOWED_CHANNELS (channel mentions never ping). */
export function channelNotAllowedNotice(allowed: ReadonlySet<string>): string {
  return `I only answer questions in ${channelList(allowed)}.`;
}

/** Said when a handler failed; the cause goes to the log, not to the user. */
export const APOLOGY = 'Sorry, something went wrong while answering. Please try again later.';

/** Said when shutdown cancelled a question in flight. */
export const CANCELLED_BY_SHUTDOWN =
  'I had to restart before I could finish this answer. Please ask again in a minute.';

/** Appended to answers from the offline answerer after the language model failed. */
export const FALLBACK_NOTE = 'Answered offline from the article text: the language model was unavailable.';

/** Said when the articles hold no answer text at all. */
export const NO_ANSWER = 'I could not find an answer to that in the articles.';

/** Slash commands are registered for guilds only; this covers a stale registration reaching a DM. */
export const GUILD_ONLY = 'Please ask me in a server channel.';

function channelList(ids: ReadonlySet<string>): string {
  return [...ids].map((id) => `<#${id}>`).join(', ');
}

/** The answer to a slash command this version of the bot does not know (a stale registration). */
export const UNKNOWN_COMMAND =
  'This command is not known to this version of the bot. Try `/ask` or `/help`; an admin can re-register the commands.';

/** The one-line answer to a direct message: the bot works in servers only. */
export const DIRECT_MESSAGE_POINTER =
  'I answer questions in servers, not in DMs: use `/ask` or mention me in a channel of a server we share.';

/** Tells the asker (ephemerally) what the bot lacks in a channel and who can fix it. */
export function missingPermissionsNotice(missing: readonly string[]): string {
  return `-# In this channel I lack ${missing.join(', ')}, so mentions here may go unanswered or come without sources. A server admin can grant them in the channel's settings (Permissions).`;
}

/** The answer to a feedback button. */
export const FEEDBACK_THANKS = 'Thanks: your feedback is saved and helps improve the answers.';

/** A button under an answer whose record is gone (older than ARTICLEQA_ANSWER_RETENTION_DAYS). */
export const ANSWER_EXPIRED =
  'This answer is too old: its sources and feedback are no longer kept. Ask again with `/ask`.';
