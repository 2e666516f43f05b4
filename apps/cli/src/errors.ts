import { type ArticleQAError, type IndexError, isArticleQAError } from '@articleqa/core';

/** Exit codes: 0 ok, 1 failure, 2 usage error. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** A mistake in how the CLI was called: one line, exit code 2. */
export class UsageError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    this.hint = hint;
  }
}

const USAGE_CODES = new Set(['E_INPUT', 'E_CONFIG']);

/**
 * A store server that cannot be reached, refuses the login, lacks pgvector or cannot hold the ingest
 * queue: not a usage mistake.
 */
function isServerProblem(error: ArticleQAError): boolean {
  return ['connect', 'extension', 'queue'].includes(String(error.details.reason));
}

/**
 * The CLI's advice for core errors that carry none: the core reports what happened (code, details);
 * what to type about it is the CLI's to say.
 */
function hintFor(error: ArticleQAError): string | undefined {
  switch (error.code) {
    case 'E_INDEX_NOT_FOUND':
      return 'Build one with `articleqa ingest <paths|urls...>`.';
    case 'E_INDEX_LOCKED':
      return 'Wait for the other ingest or remove to finish, or run again with --wait.';
    case 'E_INDEX_MISMATCH': {
      const rebuild = `Rebuild it: delete ${(error as IndexError).dir} and run \`articleqa ingest\` again`;
      if (error.details.reason !== 'embedder') return `${rebuild}.`;
      return `${rebuild}; or switch back to the embedder it was built with (ARTICLEQA_EMBEDDER=local for transformers:all-MiniLM-L6-v2:int8, local:fp32 for its fp32 variant).`;
    }
    default:
      return undefined;
  }
}

/** One line for a person, the exit code, and (for --verbose) the cause chain. */
export function describeError(error: unknown): {
  message: string;
  hint?: string;
  exitCode: number;
  expected: boolean;
} {
  if (error instanceof UsageError) {
    return {
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      exitCode: ExitCode.usage,
      expected: true,
    };
  }
  if (isArticleQAError(error)) {
    const hint = error.hint ?? hintFor(error);
    return {
      message: error.message,
      ...(hint ? { hint } : {}),
      exitCode: USAGE_CODES.has(error.code) && !isServerProblem(error) ? ExitCode.usage : ExitCode.failure,
      expected: true,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: ExitCode.failure, expected: false };
}

/** The cause chain, one line per link, for --verbose. */
export function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth += 1) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      lines.push(
        `${depth === 0 ? '' : 'caused by: '}${current.name}${code ? ` [${String(code)}]` : ''}: ${current.message}`,
      );
      current = current.cause;
    } else {
      lines.push(`caused by: ${String(current)}`);
      break;
    }
  }
  return lines;
}
