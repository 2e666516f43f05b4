import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lines, makeTempDir, runCli } from './support/run-cli.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const commands = [
  'ask',
  'chat',
  'ingest',
  'worker',
  'migrate',
  'feeds',
  'watch',
  'search',
  'list',
  'remove',
  'stats',
  'eval',
  'config',
];

describe('--help and --version', () => {
  let temp: ReturnType<typeof makeTempDir>;
  // HOME is the empty working directory and no cache dir is set: a model build would show up as
  // .cache/, an opened index as .articleqa/.
  const env = { ARTICLEQA_CACHE_DIR: undefined };
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => {
    expect(readdirSync(temp.dir)).toEqual([]);
    temp.cleanup();
  });

  it('the top-level help lists every command with examples, exit 0', async () => {
    const result = await runCli(['--help'], { cwd: temp.dir, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: articleqa /);
    for (const command of commands) expect(result.stdout).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('--index <dir>');
    expect(result.stderr).toBe('');
  });

  for (const command of commands) {
    it(`${command} --help: usage and examples, exit 0, nothing loaded`, async () => {
      const result = await runCli([command, '--help'], { cwd: temp.dir, env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: articleqa ${command}\\b`));
      expect(result.stdout).toContain('Examples:');
      expect(result.stdout).toMatch(new RegExp(`^ {2}\\$ articleqa ${command}\\b`, 'm'));
      expect(result.stderr).toBe('');
    });
  }

  it('help <command> works like <command> --help', async () => {
    const result = await runCli(['help', 'ask'], { cwd: temp.dir, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: articleqa ask/);
  });

  for (const flag of ['--version', '-V']) {
    it(`${flag} prints the package version, exit 0`, async () => {
      const result = await runCli([flag], { cwd: temp.dir, env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
      expect(result.stderr).toBe('');
    });
  }

  it('the installed command (bin/articleqa.mjs, linked before any build) runs the built CLI', async () => {
    const bin = fileURLToPath(new URL('../bin/articleqa.mjs', import.meta.url));
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, '--version'], { cwd: temp.dir, env }, (error, stdout) =>
        resolve({ code: error ? (error.code as number) : 0, stdout }),
      );
    });
    expect(result).toEqual({ code: 0, stdout: `${version}\n` });
  });

  it('no command at all prints help on stderr with a usage exit code (regression: exited 0)', async () => {
    const result = await runCli([], { cwd: temp.dir, env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: articleqa /);
  });
});

describe('config', () => {
  const secret = 'sk-test-secret-123456';
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.cleanup());

  it('masks OPENAI_API_KEY and shows the LLM as the effective answerer', async () => {
    const result = await runCli(['config'], {
      cwd: temp.dir,
      env: {
        OPENAI_API_KEY: secret,
        OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
        ARTICLEQA_CHAT_MODEL: 'test-model',
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
    const row = (name: string) => lines(result.stdout).find((line) => line.startsWith(`${name} `));
    expect(row('OPENAI_API_KEY')).toMatch(/^OPENAI_API_KEY\s+sk-…\*{4} \(21 chars\)$/);
    expect(row('effective answerer')).toMatch(
      /\s+LLM test-model at http:\/\/127\.0\.0\.1:9\/v1, offline fallback: reader \(local\), reranking on$/,
    );
    expect(row('effective index')).toMatch(new RegExp(`\\s${join(temp.dir, '.articleqa')}$`));
    expect(row('ARTICLEQA_CACHE_DIR')).toMatch(/articleqa-test-cache$/);
    // Showing the configuration loads no model and creates no index.
    expect(readdirSync(temp.dir)).toEqual([]);
  });

  it('--json parses, still masked; with nothing configured the answerer is the offline reader', async () => {
    const result = await runCli(['config', '--json', '--index', 'elsewhere'], {
      cwd: temp.dir,
      env: { OPENAI_API_KEY: undefined },
    });
    expect(result.code, result.stderr).toBe(0);
    const config = JSON.parse(result.stdout) as {
      variables: Record<string, string | null>;
      effective: Record<string, string>;
    };
    expect(Object.keys(config.effective).sort()).toEqual(['answerer', 'cacheDir', 'embedder', 'indexDir']);
    expect(config.effective.answerer).toBe('reader (local), reranking on');
    expect(config.variables.ARTICLEQA_READER).toBeNull();
    expect(config.variables.OPENAI_API_KEY).toBeNull();
    expect(config.effective.indexDir).toBe(join(temp.dir, 'elsewhere'));
    expect(config.effective.embedder).toMatch(/^local .*MiniLM.*int8/);
    for (const key of [...Object.keys(config.variables), ...Object.keys(config.effective)])
      expect(key).toMatch(/^[A-Za-z_]+$/);
  });

  it('reads .env from the current directory, the real environment winning, and masks its key too', async () => {
    writeFileSync(
      join(temp.dir, '.env'),
      `OPENAI_API_KEY=${secret}\nARTICLEQA_CHAT_MODEL=from-dotenv\nARTICLEQA_INDEX=dotenv-index\n`,
    );
    const result = await runCli(['config', '--json'], {
      cwd: temp.dir,
      env: { ARTICLEQA_INDEX: 'env-index' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(secret);
    const config = JSON.parse(result.stdout) as { effective: Record<string, string> };
    expect(config.effective.answerer).toBe(
      'LLM from-dotenv at https://api.openai.com/v1, offline fallback: reader (local), reranking on',
    );
    expect(config.effective.indexDir).toBe(join(temp.dir, 'env-index'));
  });

  it('ARTICLEQA_READER=off answers with the best-matching sentence; an unknown value is one line, exit 2', async () => {
    const off = await runCli(['config', '--json'], { cwd: temp.dir, env: { ARTICLEQA_READER: 'off' } });
    expect(off.code, off.stderr).toBe(0);
    expect((JSON.parse(off.stdout) as { effective: Record<string, string> }).effective.answerer).toBe(
      'extractive (offline)',
    );
    const bad = await runCli(['config'], { cwd: temp.dir, env: { ARTICLEQA_READER: 'large' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ARTICLEQA_READER=large is not understood');
    expect(bad.stderr).toContain('local, local:fp32, off');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('help states the defaults and limits the core uses', async () => {
    const { DEFAULT_ASK_K, DefaultLoadDocumentOptions, DefaultRetrieveOptions, MAX_QUESTION_LENGTH } =
      await import('@articleqa/core');
    const help = async (command: string) => (await runCli([command, '--help'], { cwd: temp.dir })).stdout;
    for (const command of ['ask', 'chat'])
      expect(await help(command)).toContain(`(default: ${DEFAULT_ASK_K})`);
    expect(await help('search')).toContain(`(default: ${DefaultRetrieveOptions.k})`);
    expect(await help('ask')).toContain(`${MAX_QUESTION_LENGTH.toLocaleString('en-US')} characters`);
    const ingest = await help('ingest');
    expect(ingest).toContain(`${DefaultLoadDocumentOptions.maxBytes / 1024 / 1024} MB`);
    expect(ingest).toContain(`${DefaultLoadDocumentOptions.timeoutMs / 1000} s`);
    // The eval example names a question file that exists in the repository.
    const example = /\$ articleqa eval (\S+)/.exec(await help('eval'))![1]!;
    expect(existsSync(fileURLToPath(new URL(`../../../${example}`, import.meta.url)))).toBe(true);
  });

  it('an LLM setting is checked even when no LLM is configured', async () => {
    // A folder without the .env of the other tests: nothing configures an LLM.
    const cwd = join(temp.dir, 'no-llm');
    mkdirSync(cwd, { recursive: true });
    const result = await runCli(['config'], {
      cwd,
      env: { ARTICLEQA_TEMPERATURE: 'hot', OPENAI_API_KEY: undefined },
    });
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe('error: ARTICLEQA_TEMPERATURE=hot must be a number from 0 to 2.');
  });

  it('a bad .env value is a configuration error naming the variable', async () => {
    writeFileSync(join(temp.dir, '.env'), 'ARTICLEQA_TEMPERATURE=hot\nOPENAI_API_KEY=sk-abcdefghijkl\n');
    const result = await runCli(['config'], { cwd: temp.dir });
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe('error: ARTICLEQA_TEMPERATURE=hot must be a number from 0 to 2.');
    expect(result.stderr).not.toContain('sk-abcdefghijkl');
  });
});
