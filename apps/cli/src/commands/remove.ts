import { type GlobalOptions, openContext } from '../context.js';
import { ExitCode } from '../errors.js';

export interface RemoveCommandOptions extends GlobalOptions {
  json?: boolean;
}

/** `articleqa remove <id|path|url...>` */
export async function removeCommand(references: string[], options: RemoveCommandOptions): Promise<number> {
  const context = await openContext(options, { create: false, llm: false });
  try {
    const summary = await context.qa.remove(references);
    if (options.json) context.output.out(JSON.stringify(summary, null, 2));
    else {
      for (const removed of summary.removed)
        context.output.info(`removed ${removed.documentId} ${removed.title}`);
      for (const missing of summary.notFound)
        context.output.error(`not found: ${missing} (see \`articleqa list\` for ids)`);
    }
    return summary.notFound.length > 0 ? ExitCode.failure : ExitCode.ok;
  } finally {
    await context.close();
  }
}
