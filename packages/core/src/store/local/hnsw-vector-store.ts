import { existsSync, readFileSync, rmSync } from 'node:fs';
import hnswlib from 'hnswlib-node';
import { IndexError } from '../../shared/errors.js';
import { commitFile, writeFileAtomic } from './atomic-file.js';
import type { VectorEntry, VectorMatch, VectorQuery, VectorStore } from './vector-store.js';

const { HierarchicalNSW } = hnswlib;

/** HNSW settings. Build-time ones (`m`, `efConstruction`) only apply to a new index file. */
export interface HnswOptions {
  /**
   * Graph degree.
   * @defaultValue 16
   */
  m?: number;
  /**
   * Build-time search breadth.
   * @defaultValue 200
   */
  efConstruction?: number;
  /**
   * Query-time search breadth, the floor of {@link HnswVectorStore.efFor} (large indexes search wider).
   * hnswlib's own default is 10, which loses recall (0.79 recall@4 on 100k clustered vectors, against
   * 0.997 at 64); it is always set explicitly.
   * @defaultValue 64
   */
  ef?: number;
  /**
   * Capacity reserved when a new index is created; it grows by doubling.
   * @defaultValue 1024
   */
  initialCapacity?: number;
  /**
   * Most vectors in one segment file of a `SegmentedVectorStore` (the local store's vector
   * index); ingest holds only the open segment in memory. At 384 dimensions and `m` 16 a full segment
   * takes about 55 MB (about 1.7 KB a vector: the vector, its links, its label), which keeps ingest far
   * under its 500 MB budget, while a 300k-chunk index still needs only ten segments to search. Scale
   * it down for much larger vectors (1536 dimensions take about 6.3 KB a vector).
   * @defaultValue 32768
   */
  segmentSize?: number;
}

/** HNSW defaults; see docs/benchmarks.md for the recall/latency trade-off behind `ef`. */
export const DefaultHnswOptions = {
  m: 16,
  efConstruction: 200,
  ef: 64,
  initialCapacity: 1024,
  segmentSize: 32_768,
} as const satisfies Required<HnswOptions>;

/**
 * A {@link VectorStore} over an hnswlib-node index file (cosine space). Saves are atomic: the index is
 * written to a temporary file, flushed, then renamed over the old one.
 */
export class HnswVectorStore implements VectorStore {
  readonly dimensions: number;
  readonly #path: string;
  readonly #options: Required<HnswOptions>;
  #index: InstanceType<typeof HierarchicalNSW>;
  #alive: number;
  // hnswlib lists marked-deleted labels in getIdsList() and offers no way to ask whether a label is
  // deleted, so the deleted labels are tracked here and saved beside the index file.
  #deleted = new Set<number>();

  private constructor(path: string, dimensions: number, options: Required<HnswOptions>) {
    this.#path = path;
    this.dimensions = dimensions;
    this.#options = options;
    this.#index = new HierarchicalNSW('cosine', dimensions);
    this.#alive = 0;
  }

  /**
   * Opens the index file at `path`, or starts an empty index when it does not exist.
   * @throws IndexError `E_INDEX_CORRUPT` when the file cannot be read.
   */
  static async open(path: string, dimensions: number, options: HnswOptions = {}): Promise<HnswVectorStore> {
    return existsSync(path)
      ? HnswVectorStore.load(path, dimensions, options)
      : HnswVectorStore.create(path, dimensions, options);
  }

  /**
   * Reads the index file at `path`, which must exist.
   * @throws IndexError `E_INDEX_CORRUPT` when the file is missing or cannot be read,
   * `E_DIMENSION_MISMATCH` when it holds vectors of another size.
   */
  static async load(path: string, dimensions: number, options: HnswOptions = {}): Promise<HnswVectorStore> {
    const store = new HnswVectorStore(path, dimensions, { ...DefaultHnswOptions, ...options });
    try {
      // hnswlib-node reports a missing file as an unreadable one; the check keeps the cause plain.
      if (!existsSync(path)) throw new Error(`ENOENT: no such file, ${path}`);
      store.#index.readIndexSync(path, true);
    } catch (error) {
      throw new IndexError('E_INDEX_CORRUPT', path, `The vector index file ${path} cannot be read.`, {
        cause: error,
      });
    }
    if (store.#index.getNumDimensions() !== dimensions) {
      const found = store.#index.getNumDimensions();
      store.release();
      throw new IndexError(
        'E_DIMENSION_MISMATCH',
        path,
        `The vector index holds ${found}-dimensional vectors, not ${dimensions}.`,
      );
    }
    store.#deleted = readDeletedSidecar(`${path}.deleted.json`);
    store.#alive = (await store.ids()).length;
    return store;
  }

  /** Starts an empty index, discarding what is in memory (the file is untouched until `save`). */
  static create(path: string, dimensions: number, options: HnswOptions = {}): HnswVectorStore {
    const store = new HnswVectorStore(path, dimensions, { ...DefaultHnswOptions, ...options });
    store.#init(store.#options.initialCapacity);
    return store;
  }

  get size(): number {
    return this.#alive;
  }

  /**
   * Query breadth for an index of `size` vectors: the configured `ef`, raised to sqrt(size) / 2 (at most
   * 1024) for large indexes. Measured on clustered real-embedding vectors: at ef 64 recall@10 is 0.999 at
   * 100k vectors but 0.876 at 1M (0.966 at ef 128), while a query at 1M still takes under 1 ms.
   */
  efFor(size: number): number {
    return Math.max(this.#options.ef, Math.min(1024, Math.ceil(Math.sqrt(size) / 2)));
  }

  /** Slots in the graph, deleted ones included: compaction is worth it when far above `size`. */
  get slots(): number {
    return this.#index.getCurrentCount();
  }

  async add(entries: readonly VectorEntry[]): Promise<void> {
    this.reserve(this.#index.getCurrentCount() + entries.length);
    for (const entry of entries) {
      if (entry.vector.length !== this.dimensions) {
        throw new IndexError(
          'E_DIMENSION_MISMATCH',
          this.#path,
          `A ${entry.vector.length}-dimensional vector cannot go into a ${this.dimensions}-dimensional index.`,
        );
      }
      // replaceDeleted: reuse the slots of deleted vectors, so deletions don't grow the file.
      this.#index.addPoint(Array.from(entry.vector), entry.id, true);
      this.#deleted.delete(entry.id);
      this.#alive += 1;
    }
  }

  /**
   * Makes room for `needed` vectors, doubling the capacity (fewer, larger copies) but never past
   * `limit` unless `needed` is larger.
   */
  reserve(needed: number, limit = Number.POSITIVE_INFINITY): void {
    const capacity = this.#index.getMaxElements();
    if (needed > capacity) this.#index.resizeIndex(Math.max(needed, Math.min(capacity * 2, limit)));
  }

  async delete(ids: readonly number[]): Promise<void> {
    for (const id of ids) {
      if (this.#deleted.has(id)) continue;
      try {
        this.#index.markDelete(id);
        this.#deleted.add(id);
        this.#alive -= 1;
      } catch (error) {
        // Deleted before a crash lost the sidecar: count it now. Absent ids: deleting is idempotent.
        if (String(error).includes('already deleted')) {
          this.#deleted.add(id);
          this.#alive -= 1;
        }
      }
    }
  }

  async query(query: VectorQuery): Promise<VectorMatch[]> {
    if (this.#alive === 0 || query.k <= 0) return [];
    const k = Math.min(query.k, this.#alive);
    this.#index.setEf(Math.max(query.ef ?? this.efFor(this.#alive), k));
    const result = this.#index.searchKnn(Array.from(query.vector), k, query.filter);
    return result.neighbors.map((id, position) => ({
      id,
      similarity: 1 - (result.distances[position] ?? 1),
    }));
  }

  async ids(): Promise<number[]> {
    return this.#index.getIdsList().filter((id) => !this.#deleted.has(id));
  }

  /** Every label in the graph, deleted ones included. */
  labels(): number[] {
    return this.#index.getIdsList();
  }

  async save(): Promise<void> {
    try {
      this.#writeIndex(this.#path);
      // Labels whose slots were reused have left the graph: forget them so the sidecar stays small.
      const present = new Set(this.#index.getIdsList());
      for (const id of this.#deleted) if (!present.has(id)) this.#deleted.delete(id);
      writeFileAtomic(`${this.#path}.deleted.json`, JSON.stringify([...this.#deleted]));
    } catch (error) {
      throw new IndexError(
        'E_INDEX_CORRUPT',
        this.#path,
        `Could not save the vector index to ${this.#path}.`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Writes the graph alone (no deleted-ids sidecar) to `path`, atomically. The graph's spare capacity
   * is dropped first, because hnswlib reserves a file's whole capacity when it reads it back.
   * @throws IndexError `E_INDEX_CORRUPT` when the file cannot be written.
   */
  writeTo(path: string): void {
    try {
      const count = this.#index.getCurrentCount();
      if (count > 0 && count < this.#index.getMaxElements()) this.#index.resizeIndex(count);
      this.#writeIndex(path);
    } catch (error) {
      throw new IndexError('E_INDEX_CORRUPT', path, `Could not save the vector index to ${path}.`, {
        cause: error,
      });
    }
  }

  /**
   * Empties the store and frees its graph's native memory now; `add` may fill it again.
   * hnswlib-node frees it only when the object is garbage-collected, and the collector, which does not
   * see native memory, may wait while hundreds of megabytes of released graphs pile up. The empty graph
   * left in its place still holds hnswlib's fixed lock table (about 2.6 MB) until then, so a caller that
   * releases graphs in a loop reuses the released store rather than creating new ones.
   */
  release(): void {
    // initIndex deletes the native index before allocating the new one (hnswlib-node 3.0.0 addon.cc).
    this.#init(1);
  }

  async close(): Promise<void> {
    this.release();
  }

  #writeIndex(path: string): void {
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      this.#index.writeIndexSync(temporary);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    commitFile(temporary, path);
  }

  #init(capacity: number): void {
    this.#index.initIndex({
      maxElements: capacity,
      m: this.#options.m,
      efConstruction: this.#options.efConstruction,
      randomSeed: 100,
      allowReplaceDeleted: true,
    });
    this.#alive = 0;
    this.#deleted.clear();
  }
}

function readDeletedSidecar(path: string): Set<number> {
  if (!existsSync(path)) return new Set();
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return new Set(Array.isArray(parsed) ? parsed.filter((id): id is number => typeof id === 'number') : []);
  } catch {
    // A damaged sidecar only makes deleted ids look alive; the catalog consistency check deletes them again.
    return new Set();
  }
}
