import type { DocumentMetadata } from '../shared/document.js';
import { InputError } from '../shared/errors.js';
import { cleanText } from './clean-text.js';
import type { ParsedDocument, ParseInput } from './parsed-document.js';
import { titleFromSource } from './title-from-source.js';

/** Longest first line still taken as a headline. */
export const MAX_HEADLINE_LENGTH = 200;

/**
 * Words that, in parentheses after a headline, label the story rather than name a publication:
 * "Apple unveils new phone (Update)" has no site name.
 */
const NOT_PUBLICATIONS =
  /^(?:updated?|update \d+|video|videos|photos?|pictures|gallery|live|opinion|analysis|exclusive|watch|listen|podcast|interview|review|explainer|op-ed|sponsored|paid content|correction|corrected|satire|part \w+|audio|graphic|graphics|map|maps|transcript|obituary|editorial|breaking)$/i;

/**
 * Parses a plain-text article.
 *
 * The first line is the headline (the title, left out of the text) when it looks like one: at most
 * {@link MAX_HEADLINE_LENGTH} characters, not ending like a sentence or clause (`.` `,` `;` `:`), and
 * followed by more text, either after a blank line or on the next line when that line starts a new
 * sentence (capital letter, digit or quote). The second case is stricter because in hard-wrapped prose
 * every first line is "short and followed by text". Otherwise the title comes from the file name and all
 * text is kept.
 *
 * A headline ending in a parenthesised publication name, like `… (Wired UK)`, gives `siteName`:
 * one to five words starting with a capital letter, not a story label such as "(Update)" or "(Video)".
 *
 * @throws {@link InputError} `E_EMPTY` when no text is left after cleaning.
 */
export function parseText(input: ParseInput): ParsedDocument {
  const cleaned = cleanText(input.content);
  if (cleaned === '') {
    throw new InputError('E_EMPTY', input.source, `No text in ${input.source}`, {
      hint: 'The file is empty or holds only boilerplate lines.',
    });
  }

  const newline = cleaned.indexOf('\n');
  const firstLine = newline === -1 ? cleaned : cleaned.slice(0, newline);
  const rest = newline === -1 ? '' : cleaned.slice(newline + 1);
  if (!isHeadline(firstLine, rest)) {
    return { title: titleFromSource(input.source), text: cleaned, metadata: {} };
  }

  const metadata: DocumentMetadata = {};
  const { headline, publication } = splitPublication(firstLine);
  if (publication !== undefined) metadata.siteName = publication;
  return { title: headline, text: rest.trim(), metadata };
}

function isHeadline(line: string, rest: string): boolean {
  if (line.length > MAX_HEADLINE_LENGTH || !/\p{L}/u.test(line) || /[.,;:]$/.test(line)) return false;
  if (rest.trim() === '') return false;
  if (rest.startsWith('\n')) return true;
  return /^[\p{Lu}\p{N}"'“‘«]/u.test(rest);
}

/**
 * Splits a trailing `(Publication)` off a headline when it looks like a publication name.
 *
 * @param headline - One line.
 */
export function splitPublication(headline: string): { headline: string; publication?: string } {
  const match = /^(.*\S)\s+\(([^()]{2,60})\)$/u.exec(headline);
  const before = match?.[1];
  const name = match?.[2]?.trim();
  if (before === undefined || name === undefined) return { headline };
  const words = name.split(/\s+/);
  const looksLikeName =
    words.length <= 5 && /^\p{Lu}/u.test(name) && !/[,;:!?]/.test(name) && !NOT_PUBLICATIONS.test(name);
  return looksLikeName ? { headline: before, publication: name } : { headline };
}
