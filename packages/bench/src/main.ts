// `pnpm bench [--full] [--scale quick|full] [--dataset DIR] [--only LIST] [--out FILE]`: runs the
// benchmark sections, prints each as it goes, and regenerates docs/benchmarks.md from the results.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type BenchOptions, parseOptions, type Section, USAGE } from './options.js';
import { renderReport } from './report/markdown.js';
import { renderScaleChart } from './report/svg-chart.js';
import { loadResults, type Results } from './results.js';
import { BenchRun } from './runner.js';
import {
  collectionSection,
  discordLoadSection,
  ingestSection,
  latencySection,
  peerSection,
  postgresSection,
  qualitySection,
  readerSection,
  scaleSection,
} from './sections.js';
import { cacheDirFrom } from './workspace.js';

// Run order: quality before peer and latency, which reuse its evaluation and the indexes.
const ORDER: Section[] = [
  'ingest',
  'quality',
  'reader',
  'peer',
  'latency',
  'scale',
  'postgres',
  'collection',
  'discord-load',
];
const RUNNERS: Record<Section, (run: BenchRun, results: Results) => Promise<void>> = {
  ingest: ingestSection,
  quality: qualitySection,
  reader: readerSection,
  peer: peerSection,
  latency: latencySection,
  scale: scaleSection,
  postgres: postgresSection,
  collection: collectionSection,
  'discord-load': discordLoadSection,
};

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const run = new BenchRun(options, cacheDirFrom(process.env));
  await run.prepare();
  const jsonPath = join(dirname(options.outPath), `${basename(options.outPath, '.md')}.json`);
  const chartPath = join(dirname(options.outPath), `${basename(options.outPath, '.md')}-scale.svg`);
  const results = loadResults(jsonPath);
  if (options.sections.length > 0) results.skipped = {};
  const m = run.meta.machine;
  console.log(
    `articleqa bench (${options.workload.mode}) on ${m.cpuModel}, ${m.cores} cores, Node ${m.node}; ` +
      `sections: ${options.sections.join(', ')}`,
  );
  console.log(
    run.dataset
      ? `dataset: ${run.dataset.dir}`
      : `dataset: not found at ${options.datasetDir} — SQuAD rows are skipped (set --dataset or ARTICLEQA_DATASET)`,
  );
  let failures = 0;
  const started = performance.now();
  try {
    for (const section of ORDER.filter((name) => options.sections.includes(name))) {
      console.log(`\n[${section}]`);
      const sectionStarted = performance.now();
      try {
        await RUNNERS[section](run, results);
      } catch (error) {
        failures += 1;
        results.skipped = {
          ...results.skipped,
          [section]: `failed: ${(error as Error).message.split('\n')[0]}`,
        };
        console.error(`  ${section} failed: ${(error as Error).message}`);
      }
      console.log(`  (${((performance.now() - sectionStarted) / 1000).toFixed(0)} s)`);
    }
  } finally {
    run.cleanup();
  }
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 1)}\n`);
  const chart = renderScaleChart(results);
  if (chart) writeFileSync(chartPath, chart);
  writeFileSync(
    options.outPath,
    renderReport(results, { chartFile: chart ? basename(chartPath) : undefined }),
  );
  console.log(
    `\nWrote ${options.outPath}${chart ? `, ${chartPath}` : ''} and ${jsonPath} ` +
      `in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main();
