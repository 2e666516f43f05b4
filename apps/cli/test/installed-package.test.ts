import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a user of the published packages does, outside this workspace: pack @articleqa/core and
// @articleqa/cli, install the tarballs with plain npm (no overrides, no configuration) into an empty
// project and globally, then run the core README's example and the installed `articleqa`.

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../../', import.meta.url));
const seedArticle = join(repository, 'corpus', '2015-08-05-china-police-internet-companies.md');
const MINUTE = 60_000;

let work: string;
let project: string;
let globalPrefix: string;
let tarballs: string[];
let installLog: string;

/** The environment of a user's shell: none of the npm and pnpm settings this test runs under. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|PNPM_|ARTICLEQA_|OPENAI_)/i.test(key)),
  );
  return { ...env, XDG_CACHE_HOME: join(work, 'user-cache'), NO_COLOR: '1', ...extra };
}

/** pnpm itself when it runs this test (it replaces `workspace:` versions when packing), else npx. */
function pnpm(): [string, string[]] {
  const execPath = process.env.npm_execpath;
  return execPath && /pnpm/.test(execPath) ? [process.execPath, [execPath]] : ['npx', ['-y', 'pnpm@10']];
}

async function npm(args: string[], cwd: string) {
  const result = await run('npm', [...args, '--no-audit', '--no-fund'], {
    cwd,
    env: userEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  return `${result.stdout}${result.stderr}`;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'articleqa-consumer-'));
  project = join(work, 'project');
  globalPrefix = join(work, 'global');
  const packs = join(work, 'packs');
  await mkdir(packs);
  const [command, prefix] = pnpm();
  for (const folder of ['packages/core', 'apps/cli']) {
    await run(command, [...prefix, 'pack', '--pack-destination', packs], {
      cwd: join(repository, folder),
    });
  }
  tarballs = (await readdir(packs)).sort().map((name) => join(packs, name));
  await mkdir(join(project, 'corpus'), { recursive: true });
  await writeFile(
    join(project, 'package.json'),
    '{ "name": "consumer", "private": true, "type": "module" }\n',
  );
  installLog = await npm(['install', ...tarballs], project);
}, 15 * MINUTE);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed packages, installed with npm outside the workspace', () => {
  it('install from npm packages alone: no image library, no download from elsewhere', async () => {
    expect(tarballs.map((path) => path.split('/').pop())).toEqual([
      'articleqa-cli-0.1.0.tgz',
      'articleqa-core-0.1.0.tgz',
    ]);
    expect(installLog).not.toMatch(/npm error|ENOTFOUND|EAI_AGAIN|sharp|libvips/i);
    const installed = await readdir(join(project, 'node_modules'));
    expect(installed).not.toContain('sharp');
    expect(installed).toContain('onnxruntime-node');
    expect(await readdir(join(project, 'node_modules', '@articleqa'))).toEqual(['cli', 'core']);
  });

  it("runs the core README's example unchanged and prints the answer with its citation", async () => {
    const readme = await readFile(join(repository, 'packages', 'core', 'README.md'), 'utf8');
    const example = /## Example\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("from '@articleqa/core'");
    await writeFile(join(project, 'example.mjs'), example!);
    await copyFile(seedArticle, join(project, 'corpus', 'article.md'));
    const { stdout } = await run(process.execPath, ['example.mjs'], { cwd: project, env: userEnv() });
    expect(stdout).toMatch(/Chen Zhimin/);
    expect(stdout).toMatch(/\[1\]/);
    expect(stdout).toMatch(/quote: .*Chen Zhimin/s);
  });

  it(
    'puts articleqa on PATH with npm install -g, and it answers from any folder',
    async () => {
      // npm reads its global config from <prefix>/etc/npmrc: keep the machine's (registry, CA) with the
      // temporary prefix, as a user's own global install would have it.
      const { stdout: globalConfig } = await run('npm', ['config', 'get', 'globalconfig'], {
        env: userEnv(),
      });
      await npm(
        ['install', '--global', '--prefix', globalPrefix, '--globalconfig', globalConfig.trim(), ...tarballs],
        work,
      );
      const folder = join(work, 'elsewhere');
      await mkdir(join(folder, 'corpus'), { recursive: true });
      await copyFile(seedArticle, join(folder, 'corpus', 'article.md'));
      const env = userEnv({ PATH: `${join(globalPrefix, 'bin')}${delimiter}${process.env.PATH ?? ''}` });

      const version = await run('articleqa', ['--version'], { cwd: folder, env });
      const { version: expected } = JSON.parse(
        await readFile(join(repository, 'apps', 'cli', 'package.json'), 'utf8'),
      ) as { version: string };
      expect(version.stdout.trim()).toBe(expected);

      const asked = await run('articleqa', ['ask', 'Who announced the network security offices?'], {
        cwd: folder,
        env,
      });
      expect(asked.stdout).toMatch(/Chen Zhimin/);
      expect(asked.stdout).toMatch(/China wants police installed in every internet company/);
      // Its index in the current folder, its model cache in the user's cache.
      expect(await readdir(folder)).toContain('.articleqa');
      expect(await readdir(join(work, 'user-cache', 'articleqa', 'models'))).not.toHaveLength(0);
    },
    10 * MINUTE,
  );

  it('says how to add Postgres support instead of failing on a missing module', async () => {
    const failure = await run(join(project, 'node_modules', '.bin', 'articleqa'), ['stats'], {
      cwd: project,
      env: userEnv({ ARTICLEQA_STORE: 'postgres://articleqa@127.0.0.1:1/articleqa' }),
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failure && failure.code).toBe(2);
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toMatch(/@articleqa\/store-postgres/);
    expect(stderr).toMatch(/npm install -g @articleqa\/store-postgres/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
