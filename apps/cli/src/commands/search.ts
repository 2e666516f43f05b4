import { type GlobalOptions, openContext } from '../context.js';
import { ExitCode } from '../errors.js';
import { parseFilter, resolveFilter } from './filter.js';

export interface SearchCommandOptions extends GlobalOptions {
  json?: boolean;
  k?: number;
  filter?: string[];
}

/** `articleqa search "<query>"` */
export async function searchCommand(query: string, options: SearchCommandOptions): Promise<number> {
  const parsed = parseFilter(options.filter);
  const context = await openContext(options, { create: false, llm: false });
  try {
    const filter = await resolveFilter(context.qa, parsed);
    const results = await context.qa.search(query, {
      ...(options.k ? { k: options.k } : {}),
      ...(filter ? { filter } : {}),
    });
    if (options.json) {
      context.output.out(JSON.stringify(results, null, 2));
      return ExitCode.ok;
    }
    const colors = context.output.colors;
    if (results.length === 0) context.output.info('No matching chunks.');
    for (const result of results) {
      const scores = [
        `score ${result.score.toFixed(3)}`,
        result.scores.dense !== undefined ? `dense ${result.scores.dense.toFixed(3)}` : '',
        result.scores.lexical !== undefined ? `bm25 ${result.scores.lexical.toFixed(2)}` : '',
      ].filter(Boolean);
      context.output.out(
        `${colors.cyan(`${result.rank}.`)} ${colors.bold(result.title)} ${colors.dim(`[${result.start}, ${result.end}) · ${scores.join(' · ')}`)}`,
      );
      context.output.out(
        `   ${colors.dim(result.documentId)} ${result.text.replace(/\s+/g, ' ').slice(0, 240)}${result.text.length > 240 ? '…' : ''}`,
      );
    }
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
