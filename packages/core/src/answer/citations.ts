import type { RetrievedChunk } from '../retrieve/retrieved-chunk.js';
import { splitSentences } from '../text/sentences.js';
import type { Citation } from './answerer.js';
import { bestSupportingSentence } from './citations-quote.js';

/** A citation marker in model output: `[1]`, `[1, 3]`, `[2-4]`. `[1][3]` is two markers. */
export interface CitationMarker {
  /** The numbers inside the brackets in written order, ranges expanded. */
  numbers: number[];
  /** Offsets of the marker, brackets included, `[start, end)`. */
  start: number;
  end: number;
}

// Numbers, comma lists and short ranges in square brackets; not markdown links (`[1](url)`).
const markerPattern =
  /\[\s*(\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s*,\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?)*)\s*\](?!\()/g;
// Ranges wider than this are more likely a typo (or a year span) than a list of sources.
const maxRangeWidth = 20;

/** `"2"` -> [2]; `"2-4"` -> [2, 3, 4]; a backward or too wide range keeps just its two ends. */
function expandRange(part: string): number[] {
  const [from, to] = part.split(/[-–]/).map((value) => Number.parseInt(value, 10));
  if (from === undefined) return [];
  if (to === undefined) return [from];
  if (to < from || to - from > maxRangeWidth) return [from, to];
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Finds citation markers in `text`, in order. */
export function parseCitationMarkers(text: string): CitationMarker[] {
  return [...text.matchAll(markerPattern)].map((match) => {
    const numbers = match[1]!.split(',').flatMap(expandRange);
    return { numbers, start: match.index, end: match.index + match[0].length };
  });
}

/** `text` without citation markers (and the spaces before them). */
export function stripCitationMarkers(text: string): string {
  return text.replace(new RegExp(`[ \\t]*${markerPattern.source}`, 'g'), '');
}

/** Options for {@link resolveCitations}. */
export interface ResolveCitationsOptions {
  /**
   * Renumber cited sources 1, 2, 3... in order of first appearance, so the answer's markers and its
   * citation list read as a tidy footnote sequence whichever sources the model picked.
   * @defaultValue true
   */
  renumber?: boolean;
}

/** What {@link resolveCitations} returns. */
export interface ResolvedCitations {
  /** The answer with unknown markers removed and known ones written as `[n]` (`[1, 2]` becomes `[1][2]`). */
  text: string;
  /** One per cited source, ordered by `n`. */
  citations: Citation[];
  /** Numbers the model wrote that match no source (`n < 1` or `n > sources.length`), first-seen order. */
  dropped: number[];
}

/**
 * Checks the `[n]` markers of an LLM answer against the numbered `sources` (`[1]` is `sources[0]`),
 * removes unknown ones and builds a {@link Citation} per cited source. Its `quote` is the sentence of
 * the source chunk that best supports the answer sentence(s) carrying the marker, as an exact span of
 * the document text (`start = chunk.start + offset in the chunk`).
 *
 * @example
 * ```ts
 * const { text, citations, dropped } = resolveCitations('Panels got cheaper [2][7].', sources);
 * // with 3 sources: text 'Panels got cheaper [1].', one citation of sources[1], dropped [7]
 * ```
 */
export function resolveCitations(
  answer: string,
  sources: readonly RetrievedChunk[],
  options: ResolveCitationsOptions = {},
): ResolvedCitations {
  const renumber = options.renumber ?? true;
  const markers = parseCitationMarkers(answer);
  const claims = claimsOfMarkers(answer, markers);
  const newNumbers = new Map<number, number>(); // source number -> number in the answer
  const claimsBySource = new Map<number, string[]>();
  const dropped: number[] = [];
  let text = '';
  let copiedUpTo = 0;
  for (const [i, marker] of markers.entries()) {
    const known = [...new Set(marker.numbers)].filter((n) => n >= 1 && n <= sources.length);
    for (const n of marker.numbers) if (!known.includes(n) && !dropped.includes(n)) dropped.push(n);
    for (const n of known) {
      if (!newNumbers.has(n)) newNumbers.set(n, renumber ? newNumbers.size + 1 : n);
      claimsBySource.set(n, [...(claimsBySource.get(n) ?? []), claims[i] ?? '']);
    }
    let before = answer.slice(copiedUpTo, marker.start);
    let after = marker.end;
    if (known.length === 0) {
      // Take a space with the removed marker, so "rose [7]." becomes "rose." and "[7] Prices" "Prices".
      const trimmed = before.replace(/[ \t]+$/, '');
      if (trimmed.length === before.length) after += (/^[ \t]*/.exec(answer.slice(after))?.[0] ?? '').length;
      before = trimmed;
    }
    text += before + known.map((n) => `[${newNumbers.get(n)}]`).join('');
    copiedUpTo = after;
  }
  text += answer.slice(copiedUpTo);

  const citations = [...newNumbers].map(([sourceNumber, n]): Citation => {
    const source = sources[sourceNumber - 1]!;
    const span = bestSupportingSentence(source.text, (claimsBySource.get(sourceNumber) ?? []).join(' '));
    return {
      n,
      documentId: source.documentId,
      title: source.title,
      ...(source.url === undefined ? {} : { url: source.url }),
      quote: source.text.slice(span.start, span.end),
      start: source.start + span.start,
      end: source.start + span.end,
    };
  });
  citations.sort((a, b) => a.n - b.n);
  return { text: text.trim(), citations, dropped };
}

/**
 * The answer sentence each marker supports, markers stripped. A marker that opens a sentence
 * ("... rose. [1] Then ...") belongs to the sentence before it, where models often put it.
 */
function claimsOfMarkers(answer: string, markers: readonly CitationMarker[]): string[] {
  const sentences = splitSentences(answer);
  return markers.map((marker) => {
    let index = sentences.findIndex((span) => marker.start >= span.start && marker.start < span.end);
    const sentence = sentences[index];
    if (
      sentence &&
      index > 0 &&
      stripCitationMarkers(answer.slice(sentence.start, marker.start)).trim() === ''
    ) {
      index--;
    }
    const span = sentences[index];
    return span ? stripCitationMarkers(answer.slice(span.start, span.end)) : '';
  });
}

/**
 * Cites each distinct quote once. The same sentence reached through two documents (a story saved as
 * `.md` and `.txt`, a page ingested by URL and by file) would otherwise be cited twice, and an
 * extractive answer would repeat it. Citations with the same quote (whitespace-insensitive) merge into
 * the first; markers are renumbered in order, `[1][1]` collapses, and a repeated `quote [n]` part of
 * the answer is dropped. Metadata citations merge when they state the same fact of the same title.
 */
export function mergeDuplicateCitations(
  answer: string,
  citations: readonly Citation[],
): { answer: string; citations: Citation[] } {
  const keyOf = (citation: Citation) =>
    citation.metadata
      ? `meta:${citation.title}:${citation.metadata.field}:${citation.metadata.value}`
      : `quote:${citation.quote.replace(/\s+/g, ' ').trim()}`;
  const firstByKey = new Map<string, Citation>();
  const oldToKey = new Map<number, string>();
  for (const citation of citations) {
    const key = keyOf(citation);
    oldToKey.set(citation.n, key);
    if (!firstByKey.has(key)) firstByKey.set(key, citation);
  }
  if (firstByKey.size === citations.length) return { answer, citations: [...citations] };

  // Renumber by first appearance in the answer, then any never cited in the text.
  const markers = parseCitationMarkers(answer);
  const newNumber = new Map<string, number>();
  for (const marker of markers) {
    for (const n of marker.numbers) {
      const key = oldToKey.get(n);
      if (key && !newNumber.has(key)) newNumber.set(key, newNumber.size + 1);
    }
  }
  for (const key of firstByKey.keys()) if (!newNumber.has(key)) newNumber.set(key, newNumber.size + 1);

  let text = '';
  let copied = 0;
  let previousMarker = '';
  const seenParts = new Set<string>();
  for (const marker of markers) {
    const numbers = [
      ...new Set(marker.numbers.map((n) => oldToKey.get(n)).filter((key) => key !== undefined)),
    ].map((key) => newNumber.get(key)!);
    const rendered = numbers.map((n) => `[${n}]`).join('');
    const before = answer.slice(copied, marker.start);
    // `[1][1]`: the second marker adds nothing.
    if (before.trim() === '' && rendered === previousMarker) {
      copied = marker.end;
      continue;
    }
    const part = `${before.trim()} ${rendered}`;
    if (seenParts.has(part)) {
      copied = marker.end;
      continue;
    }
    seenParts.add(part);
    text += before + rendered;
    copied = marker.end;
    previousMarker = rendered;
  }
  text += answer.slice(copied);

  const merged = [...firstByKey.entries()]
    .map(([key, citation]) => ({ ...citation, n: newNumber.get(key)! }))
    .sort((a, b) => a.n - b.n);
  return { answer: text.replace(/[ \t]{2,}/g, ' ').trim(), citations: merged };
}
