import { type GlobalOptions, openContext, waitForLock } from '../context.js';
import { ExitCode } from '../errors.js';

export interface RemoveCommandOptions extends GlobalOptions {
  json?: boolean;
  wait?: number | boolean;
}

/** `articleqa remove <id|path|url...>` */
export async function removeCommand(references: string[], options: RemoveCommandOptions): Promise<number> {
  const context = await openContext(options, { create: false, llm: false });
  try {
    const summary = await context.qa.remove(references, { waitForLock: waitForLock(options.wait) });
    if (options.json) context.output.out(JSON.stringify(summary, null, 2));
    else {
      for (const removed of summary.removed)
        context.output.info(`removed ${removed.documentId} ${removed.title}`);
      for (const missing of summary.notFound)
        context.output.error(`not found: ${missing} (see \`articleqa list\` for ids)`);
      for (const { reference, matches } of summary.ambiguous) {
        const shown = matches.slice(0, 5).map((document) => `${document.id} (${document.title})`);
        const more = matches.length > 5 ? `, and ${matches.length - 5} more` : '';
        context.output.error(
          `ambiguous: ${reference} matches ${shown.join(', ')}${more}; give more of the id`,
        );
      }
    }
    return summary.notFound.length > 0 || summary.ambiguous.length > 0 ? ExitCode.failure : ExitCode.ok;
  } finally {
    await context.close();
  }
}
