// Installs a finished training run's weights as the reader shipped in @articleqa/core:
//   node dist/install-main.js --run .run --target ../core/models/reader
// Copies reader.safetensors and rewrites reader.json with a new version (date and steps), so every
// cache built from older weights is rebuilt.
import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const usage = 'usage: install-main.js --run DIR --target DIR\n';
let values: { run?: string; target?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { run: { type: 'string' }, target: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
if (!values.run || !values.target) {
  process.stderr.write(usage);
  process.exit(2);
}
const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};
const log = await readFile(join(values.run, 'train.log'), 'utf8').catch(() =>
  fail(
    `${join(values.run!, 'train.log')} is missing: --run names a training run's folder (.run by default).`,
  ),
);
const events = log
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { event: string; step?: number; [key: string]: unknown });
const exported =
  events.filter((event) => event.event === 'exported').at(-1) ??
  fail(`${values.run}/train.log records no export: the run did not finish.`);
const start = events.find((event) => event.event === 'start');
const finalEval = events.filter((event) => event.event === 'eval').at(-1);
const manifestPath = join(values.target, 'reader.json');
const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
const date = new Date().toISOString().slice(0, 10);
const updated = {
  ...manifest,
  version: `${date}.${exported.step}`,
  trainedSteps: exported.step,
  // Paths are this machine's: keep only the file names.
  training: Object.fromEntries(
    Object.entries((start?.args ?? {}) as Record<string, unknown>).map(([key, value]) => [
      key,
      typeof value === 'string' && value.includes('/') ? (value.split('/').at(-1) ?? value) : value,
    ]),
  ),
  trainValidation: finalEval,
};
const temporary = join(values.target, '.reader.safetensors.tmp');
await copyFile(join(values.run, 'reader.safetensors'), temporary);
await rename(temporary, join(values.target, 'reader.safetensors'));
await writeFile(manifestPath, `${JSON.stringify(updated, null, 2)}\n`);
process.stderr.write(`installed reader ${updated.version} into ${values.target}\n`);
