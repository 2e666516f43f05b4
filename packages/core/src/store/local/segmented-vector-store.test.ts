import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexError, isArticleQAError } from '../../shared/errors.js';
import { unitVector } from '../../testing/vectors.js';
import { HnswVectorStore } from './hnsw-vector-store.js';
import { SegmentedVectorStore, type SegmentedVectorStoreOptions } from './segmented-vector-store.js';

const DIMENSIONS = 8;
const SEGMENT_SIZE = 8;
let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'articleqa-segments-'));
  dir = join(root, 'vectors');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const vectorOf = (id: number) => unitVector(DIMENSIONS, id);
const entries = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, offset) => ({
    id: from + offset,
    vector: vectorOf(from + offset),
  }));
const byId = (list: readonly { id: number; vector: Float32Array }[]) =>
  new Map(list.map((entry) => [entry.id, entry.vector]));
const open = (options: SegmentedVectorStoreOptions = {}) =>
  SegmentedVectorStore.open(dir, DIMENSIONS, { segmentSize: SEGMENT_SIZE, ...options });
const manifest = () =>
  JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    segments: { name: string; count: number; sealed: boolean; deleted: number[] }[];
  };

/** A store of vectors 1..30 (four segments) saved and closed, then opened again. */
async function savedThirty(): Promise<SegmentedVectorStore> {
  const store = await open();
  await store.add(entries(1, 30));
  await store.save();
  await store.close();
  return open();
}

/** The exact nearest ids among `stored`, by cosine similarity (the vectors are unit length). */
function bruteForce(query: Float32Array, stored: Map<number, Float32Array>, k: number): number[] {
  const dot = (vector: Float32Array) => vector.reduce((sum, value, d) => sum + value * query[d]!, 0);
  return [...stored]
    .map(([id, vector]) => ({ id, similarity: dot(vector) }))
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, k)
    .map((match) => match.id);
}

async function expectNearestLikeBruteForce(store: SegmentedVectorStore, stored: Map<number, Float32Array>) {
  for (const seed of [101, 202, 303, 404]) {
    const query = unitVector(DIMENSIONS, seed);
    const matches = await store.query({ vector: query, k: 5 });
    expect(matches.map((match) => match.id)).toEqual(bruteForce(query, stored, 5));
  }
}

describe('SegmentedVectorStore', () => {
  it('answers like a brute-force search when the vectors span several segments', async () => {
    const store = await open();
    await store.add(entries(1, 7));
    await store.add(entries(8, 20));
    await store.add(entries(21, 30));
    expect(store.size).toBe(30);
    expect(store.slots).toBe(30);
    await expectNearestLikeBruteForce(store, byId(entries(1, 30)));
    await store.save();
    expect(manifest().segments.map((segment) => [segment.count, segment.sealed])).toEqual([
      [8, true],
      [8, true],
      [8, true],
      [6, false],
    ]);
  });

  it('reopens from the manifest alone and loads the sealed segments on the first query', async () => {
    const reopened = await savedThirty();
    expect(reopened.loadedSegments).toBe(0);
    expect(reopened.size).toBe(30);
    expect(reopened.slots).toBe(30);
    expect((await reopened.ids()).sort((a, b) => a - b)).toEqual(entries(1, 30).map((entry) => entry.id));
    expect(reopened.loadedSegments).toBe(0);
    await expectNearestLikeBruteForce(reopened, byId(entries(1, 30)));
    expect(reopened.loadedSegments).toBe(4);
  });

  it('ingests into the open segment without loading a sealed one, and an unchanged save writes nothing', async () => {
    const ingest = await savedThirty();
    for (let id = 31; id <= 50; id += 3) {
      await ingest.add(entries(id, id + 2));
      // The open segment at most: each one sealed on the way is written and released.
      expect(ingest.loadedSegments).toBeLessThanOrEqual(1);
    }
    await ingest.save();
    expect(ingest.loadedSegments).toBeLessThanOrEqual(1);
    await ingest.close();

    const files = readdirSync(dir).sort();
    const unchanged = await open();
    await unchanged.save();
    expect(unchanged.loadedSegments).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(files);
    await expectNearestLikeBruteForce(unchanged, byId(entries(1, 51)));
  });

  it('keeps deletions across reopen and never returns a deleted vector', async () => {
    const writer = await savedThirty();
    await writer.delete([3, 12, 29, 999]);
    expect(writer.size).toBe(27);
    expect(writer.slots).toBe(30);
    await writer.save();
    expect(writer.loadedSegments).toBe(0);
    await writer.close();

    const reopened = await open();
    expect(reopened.size).toBe(27);
    expect(await reopened.ids()).not.toContain(12);
    const remaining = byId(entries(1, 30).filter((entry) => ![3, 12, 29].includes(entry.id)));
    const matches = await reopened.query({ vector: vectorOf(12), k: 30 });
    expect(matches.map((match) => match.id).sort((a, b) => a - b)).toEqual([...remaining.keys()]);
    await expectNearestLikeBruteForce(reopened, remaining);
  });

  it('replaces a vector stored in a sealed segment when its id is added again', async () => {
    const store = await open();
    await store.add(entries(1, 30));
    await store.save();
    const replacement = unitVector(DIMENSIONS, 777);
    await store.add([{ id: 3, vector: replacement }]);
    expect(store.size).toBe(30);
    const [top] = await store.query({ vector: replacement, k: 1 });
    expect(top).toMatchObject({ id: 3 });
    expect(top!.similarity).toBeCloseTo(1, 5);
    const matches = await store.query({ vector: vectorOf(3), k: 30 });
    expect(matches.filter((match) => match.id === 3)).toHaveLength(1);
  });

  it('compacts by rebuilding into a fresh store, one segment in memory at a time, and drops the old files', async () => {
    const store = await open();
    await store.add(entries(1, 40));
    await store.delete(entries(1, 25).map((entry) => entry.id));
    await store.save();
    const oldNames = manifest().segments.map((segment) => segment.name);
    await store.close();

    const fresh = SegmentedVectorStore.create(dir, DIMENSIONS, { segmentSize: SEGMENT_SIZE });
    for (const entry of entries(26, 40)) {
      await fresh.add([entry]);
      expect(fresh.loadedSegments).toBeLessThanOrEqual(1);
    }
    await fresh.save();
    const { segments } = manifest();
    expect(segments.map((segment) => [segment.count, segment.deleted.length])).toEqual([
      [8, 0],
      [7, 0],
    ]);
    expect(segments.some((segment) => oldNames.includes(segment.name))).toBe(false);
    expect(readdirSync(dir)).toHaveLength(1 + 2 * segments.length);

    const reopened = await open();
    expect(reopened.size).toBe(15);
    await expectNearestLikeBruteForce(reopened, byId(entries(26, 40)));
  });

  it('after a crash between the segment files and the manifest, opens the last commit and the next save removes the leftovers', async () => {
    const store = await open();
    await store.add(entries(1, 10));
    await store.save();
    const committed = readdirSync(dir).sort();

    const crashing = await open();
    // Fills and writes two more segments, then "crashes" before the manifest names them.
    await crashing.add(entries(11, 30));
    writeFileSync(join(dir, 'half-written.hnsw.4242.tmp'), 'partial');
    expect(readdirSync(dir).length).toBeGreaterThan(committed.length + 1);

    const reopened = await open();
    expect(reopened.size).toBe(10);
    expect(manifest().segments.map((segment) => segment.count)).toEqual([8, 2]);
    await expectNearestLikeBruteForce(reopened, byId(entries(1, 10)));
    await reopened.add(entries(11, 12));
    await reopened.save();
    const referenced = manifest().segments.flatMap((segment) => [
      `${segment.name}.hnsw`,
      `${segment.name}.ids`,
    ]);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', ...referenced].sort());
  });

  it('adopts a single-file index as a sealed segment without rebuilding it', async () => {
    const legacyFile = join(root, 'vectors.hnsw');
    const legacy = await HnswVectorStore.open(legacyFile, DIMENSIONS);
    await legacy.add(entries(1, 20));
    await legacy.delete([5]);
    await legacy.save();
    const inode = statSync(legacyFile).ino;

    const adopted = await open({ legacyFile });
    expect(adopted.size).toBe(19);
    expect(adopted.unsaved).toBe(true);
    expect(await adopted.ids()).not.toContain(5);
    const remaining = byId(entries(1, 20).filter((entry) => entry.id !== 5));
    await expectNearestLikeBruteForce(adopted, remaining);
    await adopted.add(entries(21, 22));
    await adopted.save();
    await adopted.close();

    expect(existsSync(legacyFile)).toBe(false);
    expect(existsSync(`${legacyFile}.deleted.json`)).toBe(false);
    const [first, second] = manifest().segments;
    // Larger than segmentSize and sealed as it is: linked into the folder, not rewritten.
    expect(first).toMatchObject({ count: 20, sealed: true, deleted: [5] });
    expect(statSync(join(dir, `${first!.name}.hnsw`)).ino).toBe(inode);
    expect(second).toMatchObject({ count: 2, sealed: false });

    const reopened = await open({ legacyFile });
    expect(reopened.loadedSegments).toBe(0);
    expect(reopened.size).toBe(21);
    remaining.set(21, vectorOf(21)).set(22, vectorOf(22));
    await expectNearestLikeBruteForce(reopened, remaining);
  });

  it('reports an unreadable manifest, or a missing file it names, as E_INDEX_CORRUPT', async () => {
    const store = await open();
    await store.add(entries(1, 10));
    await store.save();
    await store.close();
    const { segments } = manifest();

    writeFileSync(join(dir, 'manifest.json'), '{"format": 1, "dimensions"');
    const garbled = await open().catch((caught) => caught);
    expect(garbled).toBeInstanceOf(IndexError);
    expect(isArticleQAError(garbled, 'E_INDEX_CORRUPT')).toBe(true);
    expect(garbled.cause).toBeInstanceOf(SyntaxError);

    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ format: 1, dimensions: DIMENSIONS, segments }),
    );
    await rm(join(dir, `${segments[0]!.name}.ids`));
    expect(isArticleQAError(await open().catch((caught) => caught), 'E_INDEX_CORRUPT')).toBe(true);
  });

  it('reports a segment file that cannot be read as E_INDEX_CORRUPT on the query that loads it', async () => {
    const store = await open();
    await store.add(entries(1, 10));
    await store.save();
    await store.close();
    writeFileSync(join(dir, `${manifest().segments[0]!.name}.hnsw`), 'garbage');
    const reopened = await open();
    const error = await reopened.query({ vector: vectorOf(1), k: 1 }).catch((caught) => caught);
    expect(isArticleQAError(error, 'E_INDEX_CORRUPT')).toBe(true);
  });

  it('refuses a folder written with vectors of another size', async () => {
    const store = await open();
    await store.add(entries(1, 3));
    await store.save();
    const error = await SegmentedVectorStore.open(dir, 16).catch((caught) => caught);
    expect(isArticleQAError(error, 'E_DIMENSION_MISMATCH')).toBe(true);
  });

  it('writes no file while not writable: full segments stay in memory until a save', async () => {
    const store = await open({ writable: false });
    await store.add(entries(1, 20));
    expect(existsSync(dir)).toBe(false);
    expect(store.loadedSegments).toBe(3);
    store.writable = true;
    await store.save();
    expect(store.loadedSegments).toBe(1);
    const reopened = await open();
    await expectNearestLikeBruteForce(reopened, byId(entries(1, 20)));
  });

  it('tells when another process saved, and reloads keeping the graphs still named', async () => {
    const writer = await open();
    await writer.add(entries(1, 20));
    await writer.save();
    const reader = await open({ writable: false });
    await reader.query({ vector: vectorOf(1), k: 1 });
    expect(reader.loadedSegments).toBe(3);
    expect(reader.isStale()).toBe(false);

    await writer.add(entries(21, 22));
    await writer.save();
    expect(reader.isStale()).toBe(true);
    await reader.reload();
    expect(reader.isStale()).toBe(false);
    // The two sealed graphs are kept; the open segment was rewritten under a new name.
    expect(reader.loadedSegments).toBe(2);
    expect(reader.size).toBe(22);
    await expectNearestLikeBruteForce(reader, byId(entries(1, 22)));
  });
});
