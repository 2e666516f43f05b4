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

/**
 * Discord markup as plain text, for places that show it raw (thread names): user, role and channel
 * mentions, custom emoji and timestamps lose their `<...>` syntax, Markdown marks are dropped.
 */
export function plainText(text: string): string {
  return text
    .replace(/<a?:(\w+):\d+>/g, ':$1:')
    .replace(/<@!?\d+>/g, '@someone')
    .replace(/<@&\d+>/g, '@role')
    .replace(/<#\d+>/g, '#channel')
    .replace(/<t:\d+(?::\w)?>/g, '')
    .replace(/[*_~`|>]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * True for a message that acknowledges an answer rather than asking anything: "thanks!", "ok", "got
 * it 👍", an emoji alone. In the bot's thread such a message gets no answer.
 */
export function isAcknowledgement(text: string): boolean {
  const words = text
    .toLowerCase()
    .replace(/<a?:\w+:\d+>/g, ' ')
    // Emoji, punctuation and joiners alike: anything that is not a letter, digit or apostrophe.
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (words === '') return true;
  return /^(?:(?:ok(?:ay)?|k|thanks?(?: (?:you|a lot|so much|again))?|thank you(?: so much| very much)?|thx|ty|tysm|cheers|cool|great|nice|perfect|awesome|got it|makes sense|good to know|understood|lol|haha)(?: (?:bot|again|all))? ?)+$/.test(
    words,
  );
}

/** A thread name from a question: plain text on one line, shortened at a word boundary. */
export function threadName(question: string): string {
  const flat = plainText(question) || 'Question';
  if (flat.length <= THREAD_NAME_LIMIT) return flat;
  const head = flat.slice(0, THREAD_NAME_LIMIT - 1);
  const space = head.lastIndexOf(' ');
  return `${space > 40 ? head.slice(0, space) : head}…`;
}
