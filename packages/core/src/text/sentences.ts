/** A sentence as a `[start, end)` span of the text it came from, whitespace trimmed off both ends. */
export interface SentenceSpan {
  start: number;
  end: number;
}

// V8's Intl.Segmenter ignores ICU's abbreviation suppressions (`-u-ss-standard`), so "Mr. Smith" would
// split after "Mr.". These are the abbreviations that almost never end an English sentence.
const NON_TERMINAL_ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'gen',
  'col',
  'lt',
  'capt',
  'sgt',
  'cmdr',
  'adm',
  'gov',
  'sen',
  'rep',
  'rev',
  'hon',
  'pres',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'no',
  'nos',
  'fig',
  'approx',
  'dept',
  'est',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'mt',
  'ft',
  'ave',
  'blvd',
  'u.s',
  'u.k',
  'u.n',
  'a.m',
  'p.m',
  // Old Style / New Style dates: "born on 10 July [O.S. 28 June] 1856".
  'o.s',
  'n.s',
  'c',
  'ca',
  'cf',
  'al',
]);

let segmenter: Intl.Segmenter | undefined;

function endsWithAbbreviation(text: string): boolean {
  const match = /(?:^|[\s(["'“‘])([\p{L}.]+)\.$/u.exec(text);
  if (!match?.[1]) return false;
  const word = match[1].toLowerCase();
  // A single capital letter before the period is an initial ("John F. Kennedy").
  return NON_TERMINAL_ABBREVIATIONS.has(word) || /^\p{Lu}$/u.test(match[1]);
}

/**
 * Splits `text` into sentences with exact character offsets, using Intl.Segmenter plus a repair for
 * common abbreviations. Line breaks always end a sentence, so headings and list items stand alone.
 */
export function splitSentences(text: string, from = 0, to = text.length): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  // A line break ends a sentence anyway (a paragraph separator in Unicode's sentence rules), and V8's
  // segmenter slows down with the length of its input (~850 ms for a 780 KB collection at once, 26 ms
  // line by line, the same sentences): segment each line on its own.
  let lineStart = from;
  while (lineStart < to) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline < 0 || newline >= to ? to : newline + 1;
    splitLine(text, lineStart, lineEnd, spans);
    lineStart = lineEnd;
  }
  return spans;
}

function splitLine(text: string, from: number, to: number, spans: SentenceSpan[]): void {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
  let pendingStart = -1;
  let pendingEnd = -1;
  for (const segment of segmenter.segment(text.slice(from, to))) {
    const raw = segment.segment;
    const leading = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (trimmed.length === 0) continue;
    const start = from + segment.index + leading;
    const end = start + trimmed.length;
    if (pendingStart < 0) pendingStart = start;
    pendingEnd = end;
    const brokeOnNewline = /\n\s*$/.test(raw);
    if (!brokeOnNewline && endsWithAbbreviation(trimmed)) continue;
    spans.push({ start: pendingStart, end: pendingEnd });
    pendingStart = -1;
  }
  if (pendingStart >= 0) spans.push({ start: pendingStart, end: pendingEnd });
}
