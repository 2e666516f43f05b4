import { type GlobalOptions, openContext } from '../context.js';
import { ExitCode } from '../errors.js';

export interface ListCommandOptions extends GlobalOptions {
  json?: boolean;
}

/** `articleqa list` */
export async function listCommand(options: ListCommandOptions): Promise<number> {
  const context = await openContext(options, { create: false, llm: false });
  try {
    const documents = await context.qa.listDocuments();
    if (options.json) {
      context.output.out(JSON.stringify(documents, null, 2));
      return ExitCode.ok;
    }
    if (documents.length === 0)
      context.output.info('The index is empty. Add articles with `articleqa ingest <paths|urls...>`.');
    const colors = context.output.colors;
    for (const document of documents) {
      const date = document.publishedAt ? ` ${colors.dim(document.publishedAt.slice(0, 10))}` : '';
      context.output.out(`${colors.cyan(document.id)}  ${colors.bold(document.title)}${date}`);
      const byline = document.byline ? `${document.byline} · ` : '';
      context.output.out(`    ${colors.dim(`${byline}${document.chunks} chunks · ${document.source}`)}`);
    }
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
