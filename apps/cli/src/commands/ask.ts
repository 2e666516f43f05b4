import type { AskResult } from '@articleqa/core';
import { ensureCorpusIndexed, type GlobalOptions, openContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { renderAnswer } from '../render-answer.js';
import { parseFilter, resolveFilter } from './filter.js';

export interface AskCommandOptions extends GlobalOptions {
  json?: boolean;
  k?: number;
  filter?: string[];
  llm?: boolean;
  corpus: string;
}

/** `articleqa ask "<question>"` */
export async function askCommand(question: string, options: AskCommandOptions): Promise<number> {
  // Checked before the model loads and before a first-use ingest of the corpus (which would otherwise
  // build an index just to refuse the question).
  if (question.trim() === '')
    throw new UsageError('The question is empty.', 'Ask something, e.g. articleqa ask "Who announced it?"');
  const parsed = parseFilter(options.filter);
  const context = await openContext(options, { create: true, llm: options.llm !== false });
  try {
    await ensureCorpusIndexed(context, options.corpus);
    const filter = await resolveFilter(context.qa, parsed);
    const controller = new AbortController();
    const onSigint = () => controller.abort(new Error('Interrupted'));
    process.once('SIGINT', onSigint);
    try {
      const result = await renderAnswer(
        context.output,
        context.qa.askStream(question, {
          signal: controller.signal,
          ...(options.k ? { k: options.k } : {}),
          ...(filter ? { filter } : {}),
        }),
        { stream: !options.json, print: !options.json },
      );
      if (options.json) context.output.out(JSON.stringify(result, null, 2));
      return ExitCode.ok;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  } finally {
    await context.close();
  }
}

const METADATA_LABELS = {
  publishedAt: 'published',
  byline: 'by',
  siteName: 'source',
  title: 'title',
} as const;

/** Prints an answer and its sources for a person. */
export function printAnswer(
  output: Output,
  result: AskResult,
  options: { answerPrinted?: boolean } = {},
): void {
  const colors = output.colors;
  if (result.fallbackReason)
    output.info(
      output.errColors.yellow(`LLM unavailable (${result.fallbackReason}); showing the offline answer.`),
    );
  if (!options.answerPrinted) {
    // The short answer first (what was asked for), then the sentence it was read from, cited.
    if (result.shortAnswer) output.out(colors.bold(result.shortAnswer));
    output.out(result.abstained ? colors.yellow(result.answer) : result.answer);
  }
  if (result.droppedCitations?.length) {
    output.info(
      output.errColors.dim(
        `(removed citation numbers that matched no source: ${result.droppedCitations.join(', ')})`,
      ),
    );
  }
  if (result.citations.length === 0) return;
  output.out('');
  output.out(colors.bold('Sources'));
  for (const citation of result.citations) {
    const where = citation.url ? ` ${colors.dim(citation.url)}` : '';
    output.out(`  ${colors.cyan(`[${citation.n}]`)} ${colors.bold(citation.title)}${where}`);
    output.out(
      citation.metadata
        ? `      ${colors.dim('│')} ${METADATA_LABELS[citation.metadata.field]}: ${citation.metadata.value} ${colors.dim('(document details)')}`
        : `      ${colors.dim('│')} ${citation.quote} ${colors.dim(`(chars ${citation.start}–${citation.end})`)}`,
    );
  }
}
