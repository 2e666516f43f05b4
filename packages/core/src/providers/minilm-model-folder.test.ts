import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortError } from '../shared/errors.js';
import { ensureMiniLMModelFolder } from './minilm-model-folder.js';

const run = promisify(execFile);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The compiled builder: turbo builds the package before its tests; the child processes import it. */
const compiledBuilder = join(packageDir, 'dist', 'providers', 'minilm-model-folder.js');

const freshDirs: string[] = [];
async function freshCacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'articleqa-model-folder-'));
  freshDirs.push(dir);
  return dir;
}
afterAll(async () => Promise.all(freshDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function expectOneCompleteFolder(cacheDir: string): Promise<string> {
  const entries = await readdir(join(cacheDir, 'models'));
  // Temporary and stale folders must all be gone.
  expect(entries).toHaveLength(1);
  const modelDir = join(cacheDir, 'models', entries[0]!);
  expect((await readdir(modelDir)).sort()).toEqual([
    '.articleqa-complete.json',
    'config.json',
    'onnx',
    'tokenizer.json',
    'tokenizer_config.json',
  ]);
  expect((await readdir(join(modelDir, 'onnx'))).sort()).toEqual(['model.onnx', 'model_quantized.onnx']);
  return modelDir;
}

describe('ensureMiniLMModelFolder', () => {
  it('builds a transformers.js model folder once and reuses it', async () => {
    const cacheDir = await freshCacheDir();
    const first = await ensureMiniLMModelFolder({ cacheDir });
    expect(first.built).toBe(true);
    expect(first.localModelPath).toBe(join(cacheDir, 'models'));
    expect(first.modelDir).toBe(join(first.localModelPath, first.modelName));
    await expectOneCompleteFolder(cacheDir);

    const tokenizerConfig = JSON.parse(await readFile(join(first.modelDir, 'tokenizer_config.json'), 'utf8'));
    expect(tokenizerConfig).toMatchObject({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 256,
    });
    // int8 weights: the quantised model is about a quarter of the fp32 one.
    const fp32 = (await stat(join(first.modelDir, 'onnx', 'model.onnx'))).size;
    const int8 = (await stat(join(first.modelDir, 'onnx', 'model_quantized.onnx'))).size;
    expect(int8 / fp32).toBeLessThan(0.3);

    const second = await ensureMiniLMModelFolder({ cacheDir });
    expect(second).toEqual({ ...first, built: false });
  });

  it('leaves one valid folder when two builds race in one process', async () => {
    const cacheDir = await freshCacheDir();
    const results = await Promise.all([
      ensureMiniLMModelFolder({ cacheDir }),
      ensureMiniLMModelFolder({ cacheDir }),
    ]);
    expect(results[0].modelDir).toBe(results[1].modelDir);
    await expectOneCompleteFolder(cacheDir);
  });

  it('leaves one valid folder when two processes build into the same empty cache at once', async () => {
    if (!existsSync(compiledBuilder)) {
      throw new Error(
        `${compiledBuilder} is missing: build the package first (pnpm --filter @articleqa/core build).`,
      );
    }
    const cacheDir = await freshCacheDir();
    const script = `
      import { ensureMiniLMModelFolder } from ${JSON.stringify(pathToFileURL(compiledBuilder).href)};
      const folder = await ensureMiniLMModelFolder({ cacheDir: process.argv[1] });
      process.stdout.write(JSON.stringify(folder));
    `;
    const child = () =>
      run(process.execPath, ['--input-type=module', '-e', script, cacheDir], { cwd: packageDir });
    const outputs = await Promise.all([child(), child()]);
    const folders = outputs.map(
      (output) => JSON.parse(output.stdout) as { modelDir: string; built: boolean },
    );
    expect(folders[0]!.modelDir).toBe(folders[1]!.modelDir);
    await expectOneCompleteFolder(cacheDir);
  });

  it('replaces a folder left without its completion marker', async () => {
    const cacheDir = await freshCacheDir();
    const { modelDir } = await ensureMiniLMModelFolder({ cacheDir });
    await rm(join(modelDir, '.articleqa-complete.json'));
    await rm(join(modelDir, 'onnx', 'model.onnx'));
    const again = await ensureMiniLMModelFolder({ cacheDir });
    expect(again.built).toBe(true);
    await expectOneCompleteFolder(cacheDir);
  });

  it('stops on abort and removes its partial folder', async () => {
    const cacheDir = await freshCacheDir();
    await expect(ensureMiniLMModelFolder({ cacheDir, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortError,
    );

    const controller = new AbortController();
    const building = ensureMiniLMModelFolder({ cacheDir, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(building).rejects.toBeInstanceOf(AbortError);
    expect(await readdir(join(cacheDir, 'models'))).toEqual([]);
  });
});
