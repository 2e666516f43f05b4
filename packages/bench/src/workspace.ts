import { existsSync, readFileSync } from 'node:fs';
import { cpus, freemem, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file is `packages/bench/{src,dist}/workspace.*`. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The seed corpus shipped in the repository. */
export const seedCorpusDir = join(repoRoot, 'corpus');

/** The CLI binary spawned for the cold `ask` measurement. */
export const cliMain = join(repoRoot, 'apps', 'cli', 'dist', 'main.js');

/** The Discord bot package, whose load check the discord-load section runs. */
export const discordBotDir = join(repoRoot, 'apps', 'discord-bot');

/** Where the SQuAD half lives unless `--dataset` or `ARTICLEQA_DATASET` says otherwise. */
export const defaultDatasetDir = resolve(repoRoot, '..', 'shared', 'datasets', 'squad-v1.1-dev-half');

/** The model cache: `ARTICLEQA_CACHE_DIR`, else a folder under the OS temp dir. */
export function cacheDirFrom(environment: NodeJS.ProcessEnv): string {
  return environment.ARTICLEQA_CACHE_DIR ?? join(tmpdir(), 'articleqa-bench-cache');
}

/** The seed question set the core ships with its tests, when present. */
export function findSeedQuestions(): string | undefined {
  const candidates = [
    join(repoRoot, 'packages', 'core', 'test', 'fixtures', 'seed-questions.jsonl'),
    join(repoRoot, 'packages', 'core', 'fixtures', 'seed-questions.jsonl'),
  ];
  return candidates.find((path) => existsSync(path));
}

/** The machine the numbers were measured on. */
export interface MachineDescription {
  cpuModel: string;
  cores: number;
  cpuMHz: number | undefined;
  /** SIMD features that bound matrix throughput (from /proc/cpuinfo flags). */
  simd: string[];
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  os: string;
  loadAverage: number[];
}

export function describeMachine(): MachineDescription {
  const list = cpus();
  let flags: string[] = [];
  let mhz: number | undefined;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    flags = info.match(/^flags\s*:\s*(.*)$/m)?.[1]?.split(/\s+/) ?? [];
    const parsed = Number(info.match(/^cpu MHz\s*:\s*([\d.]+)/m)?.[1]);
    mhz = Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
  } catch {
    // Not Linux: the SIMD list stays empty and the analysis says so.
  }
  const interesting = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni', 'avx512_bf16', 'amx_int8'];
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    cpuMHz: mhz ?? (list[0]?.speed || undefined),
    simd: interesting.filter((flag) => flags.includes(flag)),
    memoryGiB: totalmem() / 2 ** 30,
    freeMemoryGiB: freemem() / 2 ** 30,
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverage: loadAverage(),
  };
}

function loadAverage(): number[] {
  try {
    return readFileSync('/proc/loadavg', 'utf8')
      .split(' ')
      .slice(0, 3)
      .map((value) => Number(value));
  } catch {
    return [];
  }
}
