/** Discord refuses message content longer than this (400, code 50035); discord.js does not split for us. */
export const DISCORD_MESSAGE_LIMIT = 2000;

// A sentence end: punctuation, closing quotes or brackets, then any citation markers that belong to the
// sentence ("... in 2015. [2]"), followed by whitespace.
const SENTENCE_END = /[.!?…]["'”’)\]]*(?:\s*\[\d+\])*(?=\s)/g;
const MARKER_AHEAD = /^\s*\[\d+\]/;

/**
 * Splits text into messages of at most `maxLength` characters, cutting where a reader would: at a paragraph
 * break, else a line break, else the end of a sentence, else between words, and only as a last resort
 * inside a word. A `[n]` citation marker is never cut and stays with the sentence before it.
 *
 * @param maxLength - @defaultValue {@link DISCORD_MESSAGE_LIMIT}
 * @example
 * splitMessage(answer).map((content) => channel.send({ content, allowedMentions: { parse: [] } }));
 */
export function splitMessage(text: string, maxLength: number = DISCORD_MESSAGE_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > maxLength) {
    const cut = findCut(rest, maxLength);
    chunks.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

/** Index at which to cut `text` so that the head is at most `maxLength` long and ends naturally. */
function findCut(text: string, maxLength: number): number {
  // Natural boundaries count only when the head is at least half full, so the answer is not spread over
  // many short messages; a word boundary anywhere still beats cutting a word.
  const minimum = Math.floor(maxLength / 2);
  const window = text.slice(0, maxLength + 1);

  for (const separator of ['\n\n', '\n']) {
    const index = window.lastIndexOf(separator, maxLength);
    if (index >= minimum) return index;
  }

  let sentenceEnd = -1;
  for (const match of window.matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length;
    if (end <= maxLength) sentenceEnd = end;
  }
  if (sentenceEnd >= minimum) return sentenceEnd;

  for (let index = Math.min(maxLength, window.length - 1); index > 0; index--) {
    // A space before a marker would send the marker to the next message, away from its sentence.
    if (/\s/.test(window[index] ?? '') && !MARKER_AHEAD.test(text.slice(index))) return index;
  }

  let cut = maxLength;
  const open = window.lastIndexOf('[', cut - 1);
  if (open > 0 && /^\[\d*$/.test(text.slice(open, cut)) && /^\[\d+\]/.test(text.slice(open))) cut = open;
  // Never leave half of a surrogate pair (an emoji) at the end of a message.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}
