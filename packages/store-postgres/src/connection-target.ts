import { ConfigError } from '@articleqa/core';
import type pg from 'pg';

/** Where a store connects, as far as messages may say: never the password. */
export interface ConnectionTarget {
  /** The connection string with its password masked, or one built from the pool's settings. */
  location: string;
  host: string;
  port: number;
  database: string | undefined;
  user: string | undefined;
}

const DEFAULT_HOST = 'localhost';
const DEFAULT_PORT = 5432;
const MASK = '***';

/**
 * Describes a connection string or a pool's settings for messages, with the password masked. Accepts
 * URLs (`postgres://user:password@host:5432/db?sslmode=require`) and libpq key/value strings
 * (`host=db password=secret dbname=articles`).
 */
export function describeTarget(connectionString: string | undefined, pool?: pg.Pool): ConnectionTarget {
  const fromPool = pool?.options;
  const text = connectionString ?? fromPool?.connectionString;
  if (text !== undefined) return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? fromUrl(text) : fromKeyValue(text);
  const host = typeof fromPool?.host === 'string' ? fromPool.host : DEFAULT_HOST;
  const port = Number(fromPool?.port ?? DEFAULT_PORT);
  const database = typeof fromPool?.database === 'string' ? fromPool.database : undefined;
  const user = typeof fromPool?.user === 'string' ? fromPool.user : undefined;
  return {
    location: `postgres://${user ? `${encodeURIComponent(user)}@` : ''}${hostPort(host, port)}/${database ?? ''}`,
    host,
    port,
    database,
    user,
  };
}

function fromUrl(text: string): ConnectionTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    // Node's URL error keeps the input, password included: keep only its code.
    throw new ConfigError('The Postgres connection string is not a valid URL.', {
      cause: new Error((error as { code?: string }).code ?? 'ERR_INVALID_URL'),
      details: { reason: 'connection-string' },
    });
  }
  if (url.password) url.password = MASK;
  for (const key of [...url.searchParams.keys()])
    if (key.toLowerCase() === 'password') url.searchParams.set(key, MASK);
  const socketHost = url.searchParams.get('host');
  const host = decodeURIComponent(url.hostname) || socketHost || DEFAULT_HOST;
  const port = url.port ? Number(url.port) : DEFAULT_PORT;
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
  const user = decodeURIComponent(url.username) || undefined;
  // URLSearchParams encodes the mask as %2A%2A%2A; show it as typed.
  const location = url.toString().replaceAll('%2A%2A%2A', MASK);
  return { location, host, port, database, user };
}

function fromKeyValue(text: string): ConnectionTarget {
  const value = (key: string) => {
    const match = new RegExp(`(?:^|\\s)${key}\\s*=\\s*('(?:[^'\\\\]|\\\\.)*'|\\S+)`, 'i').exec(text);
    return match?.[1]?.replace(/^'|'$/g, '');
  };
  const masked = text.replace(/(^|\s)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, `$1$2${MASK}`);
  return {
    location: masked,
    host: value('host') ?? DEFAULT_HOST,
    port: Number(value('port') ?? DEFAULT_PORT),
    database: value('dbname'),
    user: value('user'),
  };
}

/**
 * The passwords a connection string carries (URL authority, a `password` query parameter, or the
 * libpq `password=` key), for masking text this module did not write, such as another library's
 * error message. Empty when there are none.
 */
export function passwordsOf(connectionString: string): string[] {
  const found = new Set<string>();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(connectionString)) {
    try {
      const url = new URL(connectionString);
      if (url.password) found.add(decodeURIComponent(url.password));
      for (const [key, value] of url.searchParams) if (key.toLowerCase() === 'password') found.add(value);
    } catch {
      // Not a URL after all: describeTarget reports that; nothing to mask.
    }
  } else {
    const match = /(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/i.exec(connectionString);
    const value = match?.[1]?.replace(/^'|'$/g, '');
    // As written and as libpq reads it (backslash escapes undone).
    if (value) for (const form of [value, value.replace(/\\(.)/g, '$1')]) found.add(form);
  }
  found.delete('');
  return [...found];
}

/** `text` with every password in `passwords`, as typed and URL-encoded, replaced by `***`. */
export function maskPasswords(text: string, passwords: readonly string[]): string {
  let masked = text;
  for (const password of passwords)
    for (const form of new Set([password, encodeURIComponent(password)]))
      masked = masked.replaceAll(form, MASK);
  return masked;
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);

/** True for errors that mean the server could not be reached or the connection broke. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
  // node-postgres says so in words when the server closes the connection.
  return /^Connection terminated/.test(error.message);
}

/**
 * Turns a failure to connect into a {@link ConfigError} that names the server (host and port, never
 * the password) and keeps the driver's error as its cause.
 */
export function connectionError(error: unknown, target: ConnectionTarget): ConfigError {
  const code = (error as { code?: unknown } | undefined)?.code;
  const where = hostPort(target.host, target.port);
  const details = { reason: 'connect', host: target.host, port: target.port, ...(code ? { code } : {}) };
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return new ConfigError(`Cannot reach the Postgres server at ${where} (${code}).`, {
      cause: error,
      details,
      hint: 'Check that the server is running and that the connection string names the right host and port.',
    });
  }
  if (code === '28P01' || code === '28000') {
    return new ConfigError(
      `The Postgres server at ${where} refused the login${target.user ? ` of user ${target.user}` : ''}.`,
      { cause: error, details },
    );
  }
  if (code === '3D000') {
    return new ConfigError(
      `The Postgres server at ${where} has no database ${target.database ?? '(default)'}.`,
      { cause: error, details },
    );
  }
  return new ConfigError(`Could not connect to the Postgres server at ${where}.`, { cause: error, details });
}
