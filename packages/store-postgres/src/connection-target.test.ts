import { isArticleQAError } from '@articleqa/core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectionError, describeTarget, maskPasswords, passwordsOf } from './connection-target.js';

describe('describeTarget', () => {
  it('masks the password of a URL, in the authority and in the query', () => {
    const target = describeTarget(
      'postgres://reader:s3cr%40t@db.example:6543/articles?password=s3cr@t&sslmode=require',
    );
    expect(target).toEqual({
      location: 'postgres://reader:***@db.example:6543/articles?password=***&sslmode=require',
      host: 'db.example',
      port: 6543,
      database: 'articles',
      user: 'reader',
    });
  });

  it('defaults host and port, and leaves a URL without password as it is', () => {
    expect(describeTarget('postgresql:///articles?host=/var/run/postgresql')).toMatchObject({
      location: 'postgresql:///articles?host=/var/run/postgresql',
      host: '/var/run/postgresql',
      port: 5432,
    });
  });

  it('masks the password of a key/value connection string', () => {
    const target = describeTarget(
      "host=db port=5433 dbname=articles user=me password='a b\\'c' sslmode=disable",
    );
    expect(target.location).toBe('host=db port=5433 dbname=articles user=me password=*** sslmode=disable');
    expect(target).toMatchObject({ host: 'db', port: 5433, database: 'articles', user: 'me' });
  });

  it("describes a pool's settings without its password", async () => {
    const pool = new pg.Pool({
      host: 'db',
      port: 5433,
      user: 'me',
      password: 'hidden',
      database: 'articles',
    });
    try {
      expect(describeTarget(undefined, pool).location).toBe('postgres://me@db:5433/articles');
    } finally {
      await pool.end();
    }
  });

  it('refuses a malformed URL without repeating it', () => {
    const error = (() => {
      try {
        describeTarget('postgres://me:hidden@[bad/db');
      } catch (caught) {
        return caught;
      }
    })();
    expect(isArticleQAError(error, 'E_CONFIG')).toBe(true);
    expect(JSON.stringify(error)).not.toContain('hidden');
    expect(String((error as Error).cause)).not.toContain('hidden');
  });
});

describe('connectionError', () => {
  const target = describeTarget('postgres://me:hidden@db.example:6543/articles');

  it('names host and port of an unreachable server', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = connectionError(cause, target);
    expect(error.message).toBe('Cannot reach the Postgres server at db.example:6543 (ECONNREFUSED).');
    expect(error.cause).toBe(cause);
  });

  it('tells a refused login and a missing database apart', () => {
    const login = connectionError(Object.assign(new Error('auth'), { code: '28P01' }), target);
    expect(login.message).toBe('The Postgres server at db.example:6543 refused the login of user me.');
    const database = connectionError(Object.assign(new Error('no db'), { code: '3D000' }), target);
    expect(database.message).toBe('The Postgres server at db.example:6543 has no database articles.');
  });
});

describe('passwordsOf and maskPasswords', () => {
  it('find the password of a URL, decoded, and mask it as typed and as encoded', () => {
    const passwords = passwordsOf('postgres://me:s3cr%40t@db/articles?password=other');
    expect(passwords.sort()).toEqual(['other', 's3cr@t']);
    expect(maskPasswords('login s3cr@t failed (s3cr%40t, other)', passwords)).toBe(
      'login *** failed (***, ***)',
    );
  });

  it('find the password of a key/value string, quoted and escaped', () => {
    const passwords = passwordsOf("host=db password='a b\\'c' dbname=articles");
    expect(maskPasswords("password a b'c here", passwords)).toBe('password *** here');
    expect(passwordsOf('postgres://me@db/articles')).toEqual([]);
  });
});
