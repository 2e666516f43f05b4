import { type ChatInputCommandInteraction, MessageFlags } from 'discord.js';
import { type BotContext, NO_MENTIONS } from '../bot-context.js';
import { rejectionNotice } from '../format/notices.js';
import { adminRefusal } from './admin-gate.js';
import { assertPublicUrl, BlockedUrlError, publicOnlyFetch } from './url-guard.js';

/** An absolute http(s) URL (the core also reads files: never from Discord). */
export function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  try {
    return new URL(text).hostname.length > 0;
  } catch {
    return false;
  }
}

/** How long an admin command waits for another writer (a CLI ingest, another admin) to finish. */
const LOCK_WAIT_MS = 120_000;

/** What an admin task may use: the fetch it must use for URLs, and how long to wait for the write lock. */
export interface AdminTaskTools {
  fetch: typeof fetch;
  waitForLock: number;
  /** Aborted when shutdown's deadline passes with the task still running. */
  signal: AbortSignal;
}

/**
 * Runs an admin subcommand: refuses (ephemerally) who may not change the collection, acknowledges at
 * once with an ephemeral "thinking…" (an ingest can take minutes, Discord allows 3 s), runs `task`, and
 * edits the acknowledgement into its report, or into the reason it failed. `url`, when given, must be an
 * http(s) URL and, unless the operator allows it, a public one.
 */
export async function runAdminTask(
  interaction: ChatInputCommandInteraction,
  context: BotContext,
  task: (tools: AdminTaskTools) => Promise<string>,
  options: { url?: string } = {},
): Promise<void> {
  const ephemeral = { flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS } as const;
  const refusal = context.gate.accepting
    ? adminRefusal(interaction, context.config)
    : rejectionNotice({ ok: false, reason: 'closing' });
  if (refusal) return void (await interaction.reply({ content: refusal, ...ephemeral }));
  if (options.url !== undefined && !isHttpUrl(options.url)) {
    return void (await interaction.reply({
      content: `\`${options.url.slice(0, 200).replace(/`/g, "'")}\` is not an http(s) URL: give the full address of an article page or a feed, such as https://example.com/feed.xml.`,
      ...ephemeral,
    }));
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const fetchImpl = context.config.allowPrivateUrls ? globalThis.fetch : publicOnlyFetch();
  let report: string;
  try {
    if (options.url !== undefined && !context.config.allowPrivateUrls) await assertPublicUrl(options.url);
    report = await context.adminTasks.run((signal) =>
      task({ fetch: fetchImpl, waitForLock: LOCK_WAIT_MS, signal }),
    );
    context.logger.info({ url: options.url }, 'admin command done');
  } catch (error) {
    report = failureReport(error);
    context.logger.warn({ err: error, url: options.url }, 'admin command failed');
  }
  await interaction.editReply({ content: report, allowedMentions: NO_MENTIONS });
}

/** A failure in words an admin can act on; the core's errors carry their own message and hint. */
function failureReport(error: unknown): string {
  if (error instanceof BlockedUrlError) return error.message;
  const code = (error as { code?: unknown }).code;
  if (code === 'E_INDEX_LOCKED')
    return 'Another change to the articles is still running (an ingest from the command line, or another admin). Try again in a few minutes.';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'That address does not resolve: check the URL.';
  const message = error instanceof Error ? error.message : String(error);
  const hint = (error as { hint?: unknown }).hint;
  return `That did not work: ${message}${typeof hint === 'string' ? ` ${hint}` : ''}`.slice(0, 1900);
}
