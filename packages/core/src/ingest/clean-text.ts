import { BOILERPLATE_RULES, type BoilerplateRule, isInTail, matchBoilerplate } from './boilerplate-rules.js';

/** Options for {@link cleanText}. */
export interface CleanTextOptions {
  /**
   * Boilerplate rules to apply; pass `[]` to only normalise.
   * @defaultValue {@link BOILERPLATE_RULES}
   */
  rules?: readonly BoilerplateRule[];
}

// Zero-width space, word joiner, BOM, Mongolian vowel separator and soft hyphen are invisible and only
// break quoting and matching. ZWJ/ZWNJ (U+200C/D) stay: they shape emoji and Indic/Persian text.
const INVISIBLE = /[\u200B\u2060\uFEFF\u180E\u00AD]/g;
// C0 and C1 controls except tab and newline (carriage returns are turned into newlines first).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// No-break and other fixed-width spaces read as plain spaces.
const SPACE_LIKE = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;

/**
 * Normalises text without removing any content: NFC, `\r\n` and `\r` to `\n`, invisible and control
 * characters removed (tab and newline kept), no-break spaces to spaces, runs of spaces collapsed,
 * lines trimmed, at most one blank line between paragraphs, no leading or trailing blank lines.
 *
 * @param text - Raw text.
 * @returns The normalised text; `''` when nothing visible is left.
 */
export function normalizeText(text: string): string {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(CONTROL, '')
    .replace(SPACE_LIKE, ' ')
    .split('\n')
    .map((line) =>
      line
        .replace(/[ \t]*\t[ \t]*/g, '\t')
        .replace(/ {2,}/g, ' ')
        .trim(),
    );
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Normalises text ({@link normalizeText}) and drops boilerplate lines ({@link BOILERPLATE_RULES}).
 *
 * A paragraph (lines between blank lines) is dropped only when every one of its lines is shorter than
 * `BOILERPLATE_MAX_LINE_LENGTH` and matches a rule. A paragraph that mixes prose and a matching line is
 * kept whole: in hard-wrapped text one wrapped line of a sentence can look like a button, and losing
 * prose costs more than keeping a stray "Share this".
 *
 * @param text - Raw text of one document.
 * @param options - See {@link CleanTextOptions}.
 * @returns Cleaned text with paragraphs separated by one blank line; `''` when nothing is left.
 * @example
 * cleanText('Body.\n\nShare this\n\nLeave a Reply'); // 'Body.'
 */
export function cleanText(text: string, options: CleanTextOptions = {}): string {
  const rules = options.rules ?? BOILERPLATE_RULES;
  const normalized = normalizeText(text);
  if (rules.length === 0 || normalized === '') return normalized;
  const paragraphs = normalized.split('\n\n');
  return paragraphs
    .filter((paragraph, index) => {
      const inTail = isInTail(index, paragraphs.length);
      return !paragraph.split('\n').every((line) => matchBoilerplate(line, inTail, rules) !== undefined);
    })
    .join('\n\n');
}

/**
 * Normalises a title to one line ({@link normalizeText}, then every whitespace run to one space).
 *
 * @param title - A title from front matter, a heading, a headline or a `<title>`.
 */
export function normalizeTitle(title: string): string {
  return normalizeText(title).replace(/\s+/g, ' ');
}
