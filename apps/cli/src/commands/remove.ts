import { statSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { DocumentInfo } from '@articleqa/core';
import { type GlobalOptions, openContext, waitForLock } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';

export interface RemoveCommandOptions extends GlobalOptions {
  json?: boolean;
  wait?: number | boolean;
  /** Remove every document of a folder without asking. */
  yes?: boolean;
}

/** A reference that names a folder: an existing directory, or a path ending with a separator. */
function isFolder(reference: string): boolean {
  if (/^[a-z]+:\/\//i.test(reference)) return false;
  if (/[\\/]$/.test(reference)) return true;
  try {
    return statSync(reference).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `articleqa remove <id|path|url|folder...>`. A folder removes every document ingested from inside it,
 * after a confirmation that says how many (`--yes` skips it; without a terminal to ask, it is needed).
 */
export async function removeCommand(references: string[], options: RemoveCommandOptions): Promise<number> {
  const context = await openContext(options, { create: false, llm: false });
  try {
    const { output, qa } = context;
    const targets: string[] = [];
    const emptyFolders: string[] = [];
    const folders: { folder: string; documents: DocumentInfo[] }[] = [];
    for (const reference of references) {
      if (!isFolder(reference)) {
        targets.push(reference);
        continue;
      }
      const documents = await qa.documentsInFolder(reference);
      if (documents.length === 0) emptyFolders.push(reference);
      else folders.push({ folder: reference, documents });
    }
    const inFolders = folders.reduce((sum, entry) => sum + entry.documents.length, 0);
    if (inFolders > 1 && !options.yes && !(await confirm(folders, inFolders))) {
      output.error('Nothing removed.');
      return ExitCode.failure;
    }
    for (const { documents } of folders) targets.push(...documents.map((document) => document.id));
    const summary = await qa.remove(targets, { waitForLock: waitForLock(options.wait) });
    summary.notFound.push(...emptyFolders);
    if (options.json) output.out(JSON.stringify(summary, null, 2));
    else {
      for (const removed of summary.removed) output.info(`removed ${removed.documentId} ${removed.title}`);
      for (const missing of emptyFolders)
        output.error(`not found: no document was ingested from inside ${missing}`);
      for (const missing of summary.notFound.filter((entry) => !emptyFolders.includes(entry)))
        output.error(`not found: ${missing} (see \`articleqa list\` for ids)`);
      for (const { reference, matches } of summary.ambiguous) {
        const shown = matches.slice(0, 5).map((document) => `${document.id} (${document.title})`);
        const more = matches.length > 5 ? `, and ${matches.length - 5} more` : '';
        output.error(`ambiguous: ${reference} matches ${shown.join(', ')}${more}; give more of the id`);
      }
    }
    return summary.notFound.length > 0 || summary.ambiguous.length > 0 ? ExitCode.failure : ExitCode.ok;
  } finally {
    await context.close();
  }
}

/** Asks on the terminal; refuses without one, since nobody could answer. */
async function confirm(
  folders: readonly { folder: string; documents: DocumentInfo[] }[],
  count: number,
): Promise<boolean> {
  const named = folders.map((entry) => `${entry.folder} (${entry.documents.length})`).join(', ');
  if (!process.stdin.isTTY)
    throw new UsageError(`Removing ${count} documents from ${named} needs --yes (no terminal to ask).`);
  const lines = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await lines.question(`Remove ${count} documents ingested from ${named}? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    lines.close();
  }
}
