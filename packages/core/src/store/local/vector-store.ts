/** One vector to store, under a numeric id chosen by the caller. */
export interface VectorEntry {
  id: number;
  vector: Float32Array;
}

/** A nearest-neighbour query. */
export interface VectorQuery {
  vector: Float32Array;
  k: number;
  /** Only ids for which this returns true are returned. */
  filter?: (id: number) => boolean;
  /** Search breadth for approximate stores (HNSW ef); at least `k` is used. */
  ef?: number;
}

/** A stored vector close to the query. */
export interface VectorMatch {
  id: number;
  /** Cosine similarity, in [-1, 1]. */
  similarity: number;
}

/**
 * Stores vectors by numeric id and finds the nearest ones by cosine similarity. The embedded
 * implementations are `SegmentedVectorStore` (the local store's) and the single-file `HnswVectorStore`
 * it is built on; a server-backed one (pgvector) can replace them because the rest of the system only
 * talks to this interface. Methods are async for that reason.
 */
export interface VectorStore {
  readonly dimensions: number;
  /** Vectors stored and not deleted. */
  readonly size: number;
  add(entries: readonly VectorEntry[]): Promise<void>;
  delete(ids: readonly number[]): Promise<void>;
  query(query: VectorQuery): Promise<VectorMatch[]>;
  /** Ids currently stored: used to check and repair consistency with the catalog. */
  ids(): Promise<number[]>;
  /** Makes the current state durable. */
  save(): Promise<void>;
  close(): Promise<void>;
}
