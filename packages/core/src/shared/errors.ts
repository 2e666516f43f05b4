/**
 * Stable error codes. Apps map them to messages and exit codes; they never change meaning.
 */
export type ErrorCode =
  | 'E_INPUT'
  | 'E_EMPTY'
  | 'E_BINARY'
  | 'E_ENCODING'
  | 'E_TOO_LARGE'
  | 'E_UNSUPPORTED'
  | 'E_NOT_FOUND'
  | 'E_FETCH'
  | 'E_NO_CONTENT'
  | 'E_MODEL_NOT_FOUND'
  | 'E_MODEL_LOAD'
  | 'E_EMBED'
  | 'E_DIMENSION_MISMATCH'
  | 'E_INDEX_NOT_FOUND'
  | 'E_INDEX_CORRUPT'
  | 'E_INDEX_LOCKED'
  | 'E_INDEX_MISMATCH'
  | 'E_CONFIG'
  | 'E_LLM'
  | 'E_ABORTED';

/** Options shared by every articleqa error. */
export interface ArticleQAErrorOptions {
  /** The underlying error, kept so `--verbose` can show the whole chain. */
  cause?: unknown;
  /**
   * What the user can do about it, one short sentence, when the library can say it without knowing the
   * app (how to fix a YAML header). Advice that names commands or settings is the app's to give, from
   * `code` and `details`.
   */
  hint?: string;
  /** Structured facts about the failure (what was found, what was expected), for apps to word. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * Base class of every error the library throws on purpose. `code` is stable; `message` is one line
 * meant for a person; `hint` says what to do next.
 */
export class ArticleQAError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ArticleQAErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ArticleQAError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }
}

/** True when `error` is an {@link ArticleQAError}, optionally with the given code. */
export function isArticleQAError(error: unknown, code?: ErrorCode): error is ArticleQAError {
  return error instanceof ArticleQAError && (code === undefined || error.code === code);
}

/** A source (file or URL) that could not be read as an article. */
export class InputError extends ArticleQAError {
  readonly source: string;
  constructor(code: ErrorCode, source: string, message: string, options: ArticleQAErrorOptions = {}) {
    super(code, message, options);
    this.name = 'InputError';
    this.source = source;
  }
}

/** The embedding model could not be found, built or run. */
export class ModelError extends ArticleQAError {
  constructor(
    code: 'E_MODEL_NOT_FOUND' | 'E_MODEL_LOAD' | 'E_EMBED',
    message: string,
    options: ArticleQAErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'ModelError';
  }
}

/**
 * The store is missing, locked, corrupt or was built with other settings. `dir` is the store's
 * location (a folder for the local store). `E_INDEX_MISMATCH` details: `reason` (`'schema'` or
 * `'embedder'`), `found` and `expected`.
 */
export class IndexError extends ArticleQAError {
  readonly dir: string;
  constructor(
    code:
      | 'E_INDEX_NOT_FOUND'
      | 'E_INDEX_CORRUPT'
      | 'E_INDEX_LOCKED'
      | 'E_INDEX_MISMATCH'
      | 'E_DIMENSION_MISMATCH',
    dir: string,
    message: string,
    options: ArticleQAErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'IndexError';
    this.dir = dir;
  }
}

/** Configuration is missing or invalid. */
export class ConfigError extends ArticleQAError {
  constructor(message: string, options: ArticleQAErrorOptions = {}) {
    super('E_CONFIG', message, options);
    this.name = 'ConfigError';
  }
}

/** A call to an OpenAI-compatible endpoint failed. */
export class LLMError extends ArticleQAError {
  readonly status: number | undefined;
  readonly isRetryable: boolean;
  constructor(
    message: string,
    options: ArticleQAErrorOptions & { status?: number; isRetryable?: boolean } = {},
  ) {
    super('E_LLM', message, options);
    this.name = 'LLMError';
    this.status = options.status;
    this.isRetryable = options.isRetryable ?? false;
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortError extends ArticleQAError {
  constructor(message = 'The operation was cancelled.', options: ArticleQAErrorOptions = {}) {
    super('E_ABORTED', message, options);
    this.name = 'AbortError';
  }
}

/** Throws an {@link AbortError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}
