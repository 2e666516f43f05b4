import { isArticleQAError } from '@articleqa/core';

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
    return {
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      exitCode: USAGE_CODES.has(error.code) ? ExitCode.usage : ExitCode.failure,
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
