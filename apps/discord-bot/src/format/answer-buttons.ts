import {
  type APIActionRowComponent,
  type APIButtonComponent,
  ButtonStyle,
  ComponentType,
  escapeMarkdown,
} from 'discord.js';
import type { Citation } from '../qa-service.js';
import { splitMessage } from './split-message.js';

/** What a button under an answer does. */
export type AnswerAction = 'sources' | 'helpful' | 'not-helpful';

const PREFIX = 'answer';

/**
 * The buttons under an answer: "Sources" (when it cites any) and the two feedback buttons. Their custom
 * ids carry the action and the answer's id (`answer:sources:<id>`), so any shard, after any restart, knows
 * what a click is about.
 */
export function answerButtons(
  answerId: string,
  options: { sources: boolean },
): APIActionRowComponent<APIButtonComponent> {
  const button = (action: AnswerAction, label: string, emoji?: string): APIButtonComponent => ({
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    custom_id: `${PREFIX}:${action}:${answerId}`,
    label,
    ...(emoji ? { emoji: { name: emoji } } : {}),
  });
  return {
    type: ComponentType.ActionRow,
    components: [
      ...(options.sources ? [button('sources', 'Sources', '📄')] : []),
      button('helpful', 'Helpful', '👍'),
      button('not-helpful', 'Not helpful', '👎'),
    ],
  };
}

/** The action and answer id of an answer button's custom id, or undefined for another component. */
export function parseAnswerButton(customId: string): { action: AnswerAction; answerId: string } | undefined {
  const match = /^answer:(sources|helpful|not-helpful):(\d{1,20})$/.exec(customId);
  return match ? { action: match[1] as AnswerAction, answerId: match[2] as string } : undefined;
}

/**
 * The full quotes of an answer's sources, as messages of at most 2,000 characters: each citation's
 * number, title and link, then the whole cited span as a block quote.
 */
export function fullSources(citations: readonly Citation[]): string[] {
  const byNumber = new Map<number, Citation>();
  for (const citation of citations) if (!byNumber.has(citation.n)) byNumber.set(citation.n, citation);
  const entries = [...byNumber.values()]
    .sort((a, b) => a.n - b.n)
    .map((citation) => {
      const title = `**[${citation.n}] ${escapeMarkdown(citation.title)}**${citation.url ? ` <${citation.url}>` : ''}`;
      const text = citation.metadata ? citation.metadata.value : citation.quote;
      const quoted = text
        .trim()
        .split('\n')
        .map((line) => `> ${escapeMarkdown(line)}`)
        .join('\n');
      return `${title}\n${quoted}`;
    });
  return splitMessage(entries.join('\n\n'));
}
