/**
 * The few DOM members the text extraction reads. The package compiles without the DOM lib (it runs in
 * Node), and linkedom's own node types are not exported, so this states what is relied on.
 */
export interface DomNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<DomNode>;
}

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

/** Elements whose content is never article text. */
const SKIPPED = new Set([
  'SCRIPT',
  'STYLE',
  'NOSCRIPT',
  'TEMPLATE',
  'SVG',
  'CANVAS',
  'IFRAME',
  'OBJECT',
  'HEAD',
  'TITLE',
  'META',
  'LINK',
  // Page chrome that Readability sometimes leaves inside the content it picks.
  'NAV',
  'ASIDE',
  'FOOTER',
  'FORM',
  'BUTTON',
  'SELECT',
  'INPUT',
  'TEXTAREA',
]);

/** Elements that start a new paragraph (a blank line before and after). */
const BLOCKS = new Set([
  'ADDRESS',
  'ARTICLE',
  'BLOCKQUOTE',
  'BODY',
  'DD',
  'DETAILS',
  'DIV',
  'DL',
  'DT',
  'FIELDSET',
  'FIGCAPTION',
  'FIGURE',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'HEADER',
  'HGROUP',
  'HR',
  'HTML',
  'MAIN',
  'OL',
  'P',
  'PRE',
  'SECTION',
  'SUMMARY',
  'TABLE',
  'UL',
]);

/** Elements that start a new line but not a new paragraph. */
const LINES = new Set(['LI', 'TR', 'CAPTION']);

const PARAGRAPH_BREAK = '\u0000P';
const LINE_BREAK = '\u0000L';

/**
 * Extracts readable text from a DOM subtree: block elements become paragraphs separated by a blank line,
 * list items and table rows become lines, `<br>` a line break, table cells are separated by a tab, and
 * `<pre>` keeps its line breaks. Other whitespace collapses as a browser would render it.
 * Images, scripts and page chrome (nav, aside, footer, forms) contribute nothing.
 *
 * @param root - An element or document (linkedom or any DOM).
 * @returns Text with `\n\n` between paragraphs; not yet cleaned (see `cleanText`).
 */
export function htmlToText(root: DomNode): string {
  const parts: string[] = [];
  walk(root, parts, false);
  return parts
    .join('')
    .replace(/[ \t]*\u0000([PL])[ \t]*/g, '\u0000$1')
    .replace(/(?:\u0000[PL])+/g, (breaks) => (breaks.includes(PARAGRAPH_BREAK) ? '\n\n' : '\n'))
    .trim();
}

function walk(node: DomNode, parts: string[], preformatted: boolean): void {
  if (node.nodeType === TEXT_NODE) {
    // NUL is the break sentinel; a stray one in the input must not become a break.
    const text = (node.textContent ?? '').replace(/\u0000/g, '');
    // Inside <pre> newlines are content; elsewhere any whitespace run renders as one space.
    parts.push(preformatted ? text.replace(/\r?\n/g, LINE_BREAK) : text.replace(/\s+/g, ' '));
    return;
  }
  const isElement = node.nodeType === ELEMENT_NODE;
  const name = node.nodeName.toUpperCase();
  if (isElement && SKIPPED.has(name)) return;
  if (isElement && name === 'BR') {
    parts.push(LINE_BREAK);
    return;
  }
  const separator = !isElement ? '' : BLOCKS.has(name) ? PARAGRAPH_BREAK : LINES.has(name) ? LINE_BREAK : '';
  if (name === 'TD' || name === 'TH') parts.push('\t');
  parts.push(separator);
  const inPre = preformatted || name === 'PRE';
  for (let index = 0; index < node.childNodes.length; index++) {
    const child = node.childNodes[index];
    if (child !== undefined) walk(child, parts, inPre);
  }
  parts.push(separator);
}
