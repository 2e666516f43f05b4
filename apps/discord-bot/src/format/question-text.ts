/** Thread names are at most 100 characters on Discord. */
const THREAD_NAME_LIMIT = 100;

/**
 * The question in a message that mentions the bot: the bot's own mention (`<@id>` or the legacy `<@!id>`)
 * is removed wherever it appears and whitespace is tidied. Other mentions stay: they are part of the
 * question, and replies never ping them.
 */
export function questionFromMention(content: string, botId: string): string {
  return content
    .replace(new RegExp(`<@!?${botId}>`, 'g'), ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A thread name from a question: one line, shortened at a word boundary. */
export function threadName(question: string): string {
  const flat = question.replace(/\s+/g, ' ').trim() || 'Question';
  if (flat.length <= THREAD_NAME_LIMIT) return flat;
  const head = flat.slice(0, THREAD_NAME_LIMIT - 1);
  const space = head.lastIndexOf(' ');
  return `${space > 40 ? head.slice(0, space) : head}…`;
}
