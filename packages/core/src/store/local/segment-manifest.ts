import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IndexError } from '../../shared/errors.js';
import { writeFileAtomic } from './atomic-file.js';

/** The manifest's file name inside a segmented vector folder. */
export const ManifestFile = 'manifest.json';

const FORMAT = 1;
// Segment names become file names: nothing that could climb out of the folder.
const SEGMENT_NAME = /^[A-Za-z0-9-]+$/;
const LABEL_BYTES = 4;

/** One segment as the manifest records it. */
export interface SegmentRecord {
  /** File stem: the graph is `<name>.hnsw`, its labels `<name>.ids`. */
  name: string;
  /** Labels in the graph, deleted ones included. */
  count: number;
  /** Full: nothing is added to it again. Only the last segment may be open. */
  sealed: boolean;
  /** Labels deleted since the graph was written; queries skip them. */
  deleted: number[];
}

/**
 * The commit point of a segmented vector folder: the segment files in use and their deletions.
 * Files in the folder that it does not name are leftovers of an interrupted save.
 */
export interface SegmentManifest {
  format: typeof FORMAT;
  dimensions: number;
  segments: SegmentRecord[];
}

/** The graph file of segment `name`. */
export function graphFile(dir: string, name: string): string {
  return join(dir, `${name}.hnsw`);
}

/** The labels sidecar of segment `name`: its labels as little-endian uint32 (hnswlib-node's label type). */
export function labelsFile(dir: string, name: string): string {
  return join(dir, `${name}.ids`);
}

/**
 * Reads and checks the manifest in `dir`, and that the files it names are there (a cheap stat, so a
 * damaged folder is found on open, when it can still be rebuilt, rather than on the first query).
 * @returns undefined when there is no manifest.
 * @throws IndexError `E_INDEX_CORRUPT` when it or a file it names is unreadable or malformed,
 * `E_DIMENSION_MISMATCH` when it records vectors of another size.
 */
export function readManifest(dir: string, dimensions: number): SegmentManifest | undefined {
  const path = join(dir, ManifestFile);
  if (!existsSync(path)) return undefined;
  let manifest: SegmentManifest;
  try {
    manifest = parseManifest(JSON.parse(readFileSync(path, 'utf8')));
    for (const segment of manifest.segments) {
      const labelBytes = statSync(labelsFile(dir, segment.name)).size;
      if (labelBytes !== segment.count * LABEL_BYTES) {
        throw new Error(
          `${labelsFile(dir, segment.name)} holds ${labelBytes} bytes, not ${segment.count} labels.`,
        );
      }
      if (!statSync(graphFile(dir, segment.name)).isFile())
        throw new Error(`${segment.name}.hnsw is not a file.`);
    }
  } catch (error) {
    throw new IndexError('E_INDEX_CORRUPT', dir, `The vector manifest ${path} cannot be read.`, {
      cause: error,
    });
  }
  if (manifest.dimensions !== dimensions) {
    throw new IndexError(
      'E_DIMENSION_MISMATCH',
      dir,
      `The vector index holds ${manifest.dimensions}-dimensional vectors, not ${dimensions}.`,
    );
  }
  return manifest;
}

/** Writes the manifest atomically: the rename is the commit point of a save. */
export function writeManifest(dir: string, manifest: SegmentManifest): void {
  writeFileAtomic(join(dir, ManifestFile), JSON.stringify(manifest));
}

/** A fresh segment name: every write of a segment gets one, so a committed file is never overwritten. */
export function segmentName(): string {
  return randomUUID();
}

/**
 * Reads a segment's labels, sorted.
 * @throws IndexError `E_INDEX_CORRUPT` when the sidecar is missing or does not hold `count` labels.
 */
export function readLabels(dir: string, name: string, count: number): Uint32Array {
  const path = labelsFile(dir, name);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
    if (bytes.length !== count * LABEL_BYTES) throw new Error(`${path} holds ${bytes.length} bytes.`);
  } catch (error) {
    throw new IndexError('E_INDEX_CORRUPT', dir, `The vector labels file ${path} cannot be read.`, {
      cause: error,
    });
  }
  const labels = new Uint32Array(count);
  for (let position = 0; position < count; position += 1)
    labels[position] = bytes.readUInt32LE(position * LABEL_BYTES);
  return labels.sort();
}

/** Writes a segment's labels atomically. */
export function writeLabels(dir: string, name: string, labels: Iterable<number>): void {
  const values = [...labels];
  const bytes = Buffer.alloc(values.length * LABEL_BYTES);
  values.forEach((label, position) => {
    bytes.writeUInt32LE(label, position * LABEL_BYTES);
  });
  writeFileAtomic(labelsFile(dir, name), bytes);
}

function parseManifest(value: unknown): SegmentManifest {
  const manifest = value as Partial<SegmentManifest> | null;
  if (manifest?.format !== FORMAT) throw new Error(`Unknown manifest format ${String(manifest?.format)}.`);
  if (!Number.isInteger(manifest.dimensions) || !Array.isArray(manifest.segments)) {
    throw new Error('The manifest lacks dimensions or segments.');
  }
  manifest.segments.forEach((segment, position) => {
    const valid =
      typeof segment?.name === 'string' &&
      SEGMENT_NAME.test(segment.name) &&
      Number.isInteger(segment.count) &&
      segment.count >= 0 &&
      typeof segment.sealed === 'boolean' &&
      (segment.sealed || position === (manifest.segments?.length ?? 0) - 1) &&
      Array.isArray(segment.deleted) &&
      segment.deleted.every((id) => Number.isInteger(id));
    if (!valid) throw new Error(`Segment ${position} of the manifest is malformed.`);
  });
  return manifest as SegmentManifest;
}
