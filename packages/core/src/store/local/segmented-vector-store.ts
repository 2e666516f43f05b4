import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IndexError } from '../../shared/errors.js';
import { commitFile, fsyncDirectory } from './atomic-file.js';
import { DefaultHnswOptions, type HnswOptions, HnswVectorStore } from './hnsw-vector-store.js';
import {
  graphFile,
  ManifestFile,
  readLabels,
  readManifest,
  type SegmentManifest,
  segmentName,
  writeLabels,
  writeManifest,
} from './segment-manifest.js';
import type { VectorEntry, VectorMatch, VectorQuery, VectorStore } from './vector-store.js';

/** Options of {@link SegmentedVectorStore}: the HNSW settings (`segmentSize` among them) and two of its own. */
export interface SegmentedVectorStoreOptions extends HnswOptions {
  /**
   * A single-file {@link HnswVectorStore} index (with its `.deleted.json`) written before segments
   * existed. When the folder has no manifest it is adopted as one sealed segment, as it is (no rebuild);
   * the first save links it into the folder and removes it.
   */
  legacyFile?: string;
  /**
   * The initial {@link SegmentedVectorStore.writable}.
   * @defaultValue true
   */
  writable?: boolean;
}

/** A segment in memory. */
interface Segment {
  /** File stem on disk; undefined while the segment holds changes to its graph not yet written. */
  name: string | undefined;
  sealed: boolean;
  /** Labels in the graph, deleted ones included. */
  count: number;
  deleted: Set<number>;
  /**
   * Its labels once needed: sorted for a sealed segment (4 bytes a label, where a Set takes ~30), a Set
   * for the open one, which grows.
   */
  labels: Uint32Array | Set<number> | undefined;
  /** The graph, while loaded. */
  graph: HnswVectorStore | undefined;
  /** A file to link instead of writing the graph: an adopted single-file index. */
  adoptedFrom?: string;
}

/**
 * A {@link VectorStore} kept as HNSW segments of at most `segmentSize` vectors in one folder, so that
 * ingest holds only one bounded segment in memory however large the collection grows.
 *
 * - Adds go to the one open segment; when it is full it is written, sealed and its memory released.
 *   Sealed segment files never change.
 * - Opening reads only `manifest.json`; every segment's graph is loaded by the first query and then kept
 *   (a long-running reader). Ingest never loads a sealed graph: it needs only their label sidecars.
 * - Deletions are tombstones kept in the manifest and skipped at query time through hnswlib's filter;
 *   compaction is a rebuild into a fresh store.
 * - A save writes each changed segment under a fresh name, then the manifest (the commit point), then
 *   removes the files the manifest no longer names: a crash at any point leaves the last committed
 *   state, plus leftovers that the next save removes.
 */
export class SegmentedVectorStore implements VectorStore {
  readonly dir: string;
  readonly dimensions: number;
  /**
   * Whether `add` may write a full segment to disk and release it. Only the holder of the index's write
   * lock may write files (another process's save removes files its manifest does not name), so a reader
   * keeps full segments in memory until it reloads.
   */
  writable: boolean;
  readonly #options: Required<HnswOptions>;
  readonly #legacyFile: string | undefined;
  #segments: Segment[] = [];
  #alive = 0;
  #unsaved = false;
  // Set by the first query: from then on every graph stays loaded, for the next query.
  #resident = false;
  // The manifest as this store last read or wrote it, to tell when another process has saved.
  #stamp: string;
  // The graph object of the last segment sealed and released, reused for the next open segment: each
  // new hnswlib object keeps a few MB until the collector finalizes it (see HnswVectorStore.release).
  #spare: HnswVectorStore | undefined;

  private constructor(dir: string, dimensions: number, options: SegmentedVectorStoreOptions) {
    const { legacyFile, writable, ...hnsw } = options;
    this.dir = dir;
    this.dimensions = dimensions;
    this.#options = { ...DefaultHnswOptions, ...hnsw };
    this.#legacyFile = legacyFile;
    this.writable = writable ?? true;
    this.#stamp = manifestStamp(dir);
  }

  /**
   * Opens the store in folder `dir` reading only its manifest (or adopting `legacyFile`), or starts an
   * empty one when neither exists.
   * @throws IndexError `E_INDEX_CORRUPT` when the manifest, a file it names or the legacy file is
   * unreadable; `E_DIMENSION_MISMATCH` when they hold vectors of another size.
   */
  static async open(
    dir: string,
    dimensions: number,
    options: SegmentedVectorStoreOptions = {},
  ): Promise<SegmentedVectorStore> {
    const store = new SegmentedVectorStore(dir, dimensions, options);
    store.#adopt(await store.#readDisk());
    return store;
  }

  /** Starts an empty store; what is on disk stays until `save` replaces it. */
  static create(
    dir: string,
    dimensions: number,
    options: SegmentedVectorStoreOptions = {},
  ): SegmentedVectorStore {
    return new SegmentedVectorStore(dir, dimensions, options);
  }

  /** Vectors stored and not deleted. */
  get size(): number {
    return this.#alive;
  }

  /** Slots in the graphs, deleted ones included: compaction is worth it when far above `size`. */
  get slots(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.count, 0);
  }

  /** Segments whose graph is in memory: at most the open one until the first query. */
  get loadedSegments(): number {
    return this.#segments.filter((segment) => segment.graph).length;
  }

  /** True when it holds changes `save` has not made durable (an adopted legacy file counts). */
  get unsaved(): boolean {
    return this.#unsaved;
  }

  /**
   * True when another process has saved since this store last read or wrote the manifest: the files
   * it knows may be gone, and {@link reload} catches up. One `stat`.
   */
  isStale(): boolean {
    return manifestStamp(this.dir) !== this.#stamp;
  }

  /**
   * Replaces the state with the one on disk, dropping unsaved changes. Graphs already loaded are kept
   * when the manifest still names them (a named file never changes), so a reader reloads only what a
   * writer wrote.
   * @throws IndexError as {@link open}.
   */
  async reload(): Promise<void> {
    const segments = await this.#readDisk();
    const loaded = new Map<string, HnswVectorStore>();
    for (const segment of this.#segments)
      if (segment.name !== undefined && segment.graph) loaded.set(segment.name, segment.graph);
    const kept = new Set<HnswVectorStore>();
    for (const segment of segments) {
      const graph = segment.name === undefined ? undefined : loaded.get(segment.name);
      if (!graph) continue;
      segment.graph = graph;
      kept.add(graph);
    }
    for (const segment of this.#segments)
      if (segment.graph && !kept.has(segment.graph)) segment.graph.release();
    this.#adopt(segments);
  }

  async add(entries: readonly VectorEntry[]): Promise<void> {
    if (entries.length === 0) return;
    for (const entry of entries) {
      if (entry.vector.length !== this.dimensions) {
        throw new IndexError(
          'E_DIMENSION_MISMATCH',
          this.dir,
          `A ${entry.vector.length}-dimensional vector cannot go into a ${this.dimensions}-dimensional index.`,
        );
      }
    }
    // Sealed segments' labels, not their graphs: to replace a vector stored there.
    this.#loadLabels();
    let start = 0;
    while (start < entries.length) {
      const tail = await this.#openTail();
      const batch = entries.slice(start, start + this.#options.segmentSize - tail.count);
      start += batch.length;
      for (const entry of batch) this.#deleteSealed(entry.id);
      tail.graph!.reserve(tail.count + batch.length, this.#options.segmentSize);
      await tail.graph!.add(batch);
      const labels = tail.labels as Set<number>;
      for (const { id } of batch) {
        if (!labels.has(id)) {
          labels.add(id);
          tail.count += 1;
          this.#alive += 1;
        } else if (tail.deleted.delete(id)) {
          this.#alive += 1;
        }
      }
      tail.name = undefined;
      this.#unsaved = true;
      if (tail.count >= this.#options.segmentSize) this.#seal(tail);
    }
  }

  async delete(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    this.#loadLabels();
    for (const id of ids) {
      const segment = this.#segments.find((candidate) => isLive(candidate, id));
      if (!segment) continue;
      segment.deleted.add(id);
      this.#alive -= 1;
      this.#unsaved = true;
    }
  }

  /**
   * Searches every segment for its own `k` best and keeps the `k` best of all. Each segment's breadth
   * is `efFor` its own size, not the total's: recall depends on the size of the graph searched, and the
   * true top `k` is the union of each segment's top `k`, so each segment searched as well as an index of
   * its size finds them as well as one index would. Loads every graph on the first call.
   */
  async query(query: VectorQuery): Promise<VectorMatch[]> {
    if (this.#alive === 0 || query.k <= 0) return [];
    // A reload during the loading awaits swaps #segments: this query finishes on the ones it loaded.
    const segments = this.#segments;
    await this.#loadGraphs(segments);
    const matches: VectorMatch[] = [];
    for (const segment of segments) {
      const live = segment.count - segment.deleted.size;
      if (live === 0) continue;
      const { deleted } = segment;
      const filter =
        deleted.size === 0
          ? query.filter
          : (id: number) => !deleted.has(id) && (query.filter === undefined || query.filter(id));
      const graph = segment.graph!;
      matches.push(
        ...(await graph.query({
          vector: query.vector,
          k: Math.min(query.k, live),
          ef: query.ef ?? graph.efFor(live),
          ...(filter ? { filter } : {}),
        })),
      );
    }
    return matches.sort((a, b) => b.similarity - a.similarity).slice(0, query.k);
  }

  async ids(): Promise<number[]> {
    this.#loadLabels();
    const ids: number[] = [];
    for (const segment of this.#segments)
      for (const id of segment.labels!) if (!segment.deleted.has(id)) ids.push(id);
    return ids;
  }

  /**
   * Writes the segments changed since the last save under fresh names, commits the manifest, then
   * removes files it no longer names (leftovers of this store's earlier state or of a crashed save) and
   * the adopted legacy file.
   * @throws IndexError `E_INDEX_CORRUPT` when the files cannot be written; the last commit stays.
   */
  async save(): Promise<void> {
    const manifestPath = join(this.dir, ManifestFile);
    if (!this.#unsaved && existsSync(manifestPath)) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      for (const segment of this.#segments) if (segment.name === undefined) this.#writeSegment(segment);
      fsyncDirectory(this.dir);
      writeManifest(this.dir, this.#manifest());
      fsyncDirectory(this.dir);
    } catch (error) {
      throw new IndexError('E_INDEX_CORRUPT', this.dir, `Could not save the vector index in ${this.dir}.`, {
        cause: error,
      });
    }
    this.#stamp = manifestStamp(this.dir);
    this.#unsaved = false;
    this.#removeUnreferenced();
    if (this.#resident) return;
    for (const segment of this.#segments) {
      if (!segment.sealed || !segment.graph) continue;
      segment.graph.release();
      segment.graph = undefined;
    }
  }

  /** Frees every graph's memory; the store must not be used afterwards. */
  async close(): Promise<void> {
    for (const segment of this.#segments) segment.graph?.release();
    this.#spare?.release();
    this.#spare = undefined;
    this.#segments = [];
    this.#alive = 0;
  }

  /** The segments on disk: the manifest's, or the adopted legacy file as one loaded sealed segment. */
  async #readDisk(): Promise<Segment[]> {
    // A writer may save between the stamp and the read: then the stamp is older than what was read and
    // the next isStale() reloads once more, which is harmless; the other order could miss a save.
    let stamp = manifestStamp(this.dir);
    let manifest: SegmentManifest | undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        manifest = readManifest(this.dir, this.dimensions);
        break;
      } catch (error) {
        // A writer's save removed a file between the reads of the manifest and of the files it names.
        const now = manifestStamp(this.dir);
        if (now === stamp || attempt === 3) throw error;
        stamp = now;
      }
    }
    this.#stamp = stamp;
    if (manifest) {
      return manifest.segments.map((record) => ({
        name: record.name,
        sealed: record.sealed,
        count: record.count,
        deleted: new Set(record.deleted),
        labels: undefined,
        graph: undefined,
      }));
    }
    if (this.#legacyFile === undefined || !existsSync(this.#legacyFile)) return [];
    const graph = await HnswVectorStore.load(this.#legacyFile, this.dimensions, this.#options);
    const live = new Set(await graph.ids());
    const labels = graph.labels();
    return [
      {
        name: undefined,
        sealed: true,
        count: labels.length,
        deleted: new Set(labels.filter((id) => !live.has(id))),
        labels: Uint32Array.from(labels).sort(),
        graph,
        adoptedFrom: this.#legacyFile,
      },
    ];
  }

  #adopt(segments: Segment[]): void {
    this.#segments = segments;
    this.#alive = segments.reduce((sum, segment) => sum + segment.count - segment.deleted.size, 0);
    this.#unsaved = segments.some((segment) => segment.name === undefined);
  }

  #manifest(): SegmentManifest {
    return {
      format: 1,
      dimensions: this.dimensions,
      segments: this.#segments.map((segment) => ({
        name: segment.name!,
        count: segment.count,
        sealed: segment.sealed,
        deleted: [...segment.deleted],
      })),
    };
  }

  /** The open segment, its graph loaded (a bounded cost), created when there is none. */
  async #openTail(): Promise<Segment> {
    let tail = this.#segments.at(-1);
    // Full already: written with a larger segmentSize than this store's.
    if (tail && !tail.sealed && tail.count >= this.#options.segmentSize) this.#seal(tail);
    if (!tail || tail.sealed) {
      const capacity = Math.min(this.#options.initialCapacity, this.#options.segmentSize);
      const graph =
        this.#spare ??
        HnswVectorStore.create(this.dir, this.dimensions, { ...this.#options, initialCapacity: capacity });
      this.#spare = undefined;
      graph.reserve(capacity);
      tail = { name: undefined, sealed: false, count: 0, deleted: new Set(), labels: new Set(), graph };
      this.#segments.push(tail);
      return tail;
    }
    tail.graph ??= await HnswVectorStore.load(
      graphFile(this.dir, tail.name!),
      this.dimensions,
      this.#options,
    );
    if (!(tail.labels instanceof Set)) tail.labels = new Set(tail.graph.labels());
    return tail;
  }

  #seal(segment: Segment): void {
    segment.sealed = true;
    segment.labels = Uint32Array.from(segment.labels!).sort();
    this.#unsaved = true;
    if (segment.name === undefined) {
      if (!this.writable) return;
      try {
        this.#writeSegment(segment);
      } catch (error) {
        throw new IndexError('E_INDEX_CORRUPT', this.dir, `Could not save the vector index in ${this.dir}.`, {
          cause: error,
        });
      }
    }
    // The manifest names the new file from the next save on; until then it is an unreferenced file
    // that a crash leaves behind and the next save removes. Only the graph's memory is given up now.
    if (this.#resident || !segment.graph) return;
    segment.graph.release();
    this.#spare = segment.graph;
    segment.graph = undefined;
  }

  #writeSegment(segment: Segment): void {
    mkdirSync(this.dir, { recursive: true });
    const name = segmentName();
    if (segment.adoptedFrom !== undefined) {
      linkOrCopy(segment.adoptedFrom, graphFile(this.dir, name));
      delete segment.adoptedFrom;
    } else {
      segment.graph!.writeTo(graphFile(this.dir, name));
    }
    writeLabels(this.dir, name, segment.labels ?? segment.graph!.labels());
    segment.name = name;
  }

  /** Tombstones `id` where a sealed segment still holds it live, so an added copy replaces it. */
  #deleteSealed(id: number): void {
    for (const segment of this.#segments) {
      if (!segment.sealed || !isLive(segment, id)) continue;
      segment.deleted.add(id);
      this.#alive -= 1;
      this.#unsaved = true;
    }
  }

  #loadLabels(): void {
    for (const segment of this.#segments) {
      if (segment.labels) continue;
      segment.labels = segment.graph
        ? Uint32Array.from(segment.graph.labels()).sort()
        : readLabels(this.dir, segment.name!, segment.count);
    }
  }

  async #loadGraphs(segments: readonly Segment[]): Promise<void> {
    for (const segment of segments) {
      segment.graph ??= await HnswVectorStore.load(
        graphFile(this.dir, segment.name!),
        this.dimensions,
        this.#options,
      );
    }
    this.#resident = true;
  }

  #removeUnreferenced(): void {
    const keep = new Set([ManifestFile]);
    for (const segment of this.#segments) {
      keep.add(`${segment.name}.hnsw`);
      keep.add(`${segment.name}.ids`);
    }
    try {
      for (const entry of readdirSync(this.dir))
        if (!keep.has(entry)) rmSync(join(this.dir, entry), { force: true });
      if (this.#legacyFile !== undefined) {
        rmSync(this.#legacyFile, { force: true });
        rmSync(`${this.#legacyFile}.deleted.json`, { force: true });
      }
    } catch {
      // The commit is done; what is left behind now, the next save removes.
    }
  }
}

function isLive(segment: Segment, id: number): boolean {
  const { labels } = segment;
  if (labels === undefined || segment.deleted.has(id)) return false;
  return labels instanceof Set ? labels.has(id) : sortedHas(labels, id);
}

function sortedHas(labels: Uint32Array, id: number): boolean {
  let low = 0;
  let high = labels.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const label = labels[middle]!;
    if (label === id) return true;
    if (label < id) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** Identifies the manifest file's current version without reading it: a rename gives a new inode. */
function manifestStamp(dir: string): string {
  const stat = statSync(join(dir, ManifestFile), { bigint: true, throwIfNoEntry: false });
  return stat ? `${stat.ino}:${stat.size}:${stat.mtimeNs}` : 'absent';
}

/** Puts `from` at `to` without copying when the file system allows a hard link. */
function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    const temporary = `${to}.${process.pid}.tmp`;
    copyFileSync(from, temporary);
    commitFile(temporary, to);
  }
}
