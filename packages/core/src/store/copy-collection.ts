import { throwIfAborted } from '../shared/errors.js';
import type {
  ArticleStore,
  DocumentRecord,
  DocumentWrite,
  EmbeddedText,
  QuantisedSentenceVector,
  SentenceVector,
  StoredVector,
} from './article-store.js';

/** Options for {@link copyCollection}. */
export interface CopyCollectionOptions {
  /** Documents written per atomic write; a stopped copy keeps every batch it finished. @defaultValue 64 */
  batchDocuments?: number;
  /** Documents whose chunks and vectors are compared between the stores after copying. @defaultValue 50 */
  verifySample?: number;
  /** How long to wait for the target's write lock (`Infinity`: no limit). @defaultValue 0 */
  waitForLock?: number;
  signal?: AbortSignal;
  onProgress?: (event: CopyProgressEvent) => void;
}

/** Progress of {@link copyCollection}: one event per batch, then one before the verification. */
export type CopyProgressEvent =
  | { type: 'copied'; done: number; total: number; copied: number; unchanged: number }
  | { type: 'verifying'; documents: number; sample: number };

/** What the verification after a copy compared, and every difference it found. */
export interface CopyVerification {
  /** Source documents found in the target with the same content hash and chunk count. */
  documentsMatched: number;
  /** Documents whose chunks and vectors were compared one by one. */
  sampled: number;
  vectorsCompared: number;
  /** Largest absolute difference of any compared vector component (0 when copied exactly). */
  maxVectorDifference: number;
  /** One line per difference; empty when the copy is verified. */
  problems: string[];
}

/** The outcome of {@link copyCollection}. */
export interface CopySummary {
  /** Documents in the source. */
  documents: number;
  /** Documents written into the target by this run. */
  copied: number;
  /** Documents the target already held with the same content (copied by an earlier, stopped run). */
  unchanged: number;
  /** Chunk vectors written (vectors the target already held are shared, not written again). */
  vectorsWritten: number;
  /** Documents only the target holds; a copy adds and replaces, it never removes. */
  onlyInTarget: number;
  verification: CopyVerification;
  seconds: number;
}

// A vector component copied through float32 text or bytes is exact; this only absorbs a store that
// keeps a slightly different float representation.
const VECTOR_TOLERANCE = 1e-6;
const MAX_PROBLEMS = 20;

/**
 * Copies every document of an open store, with its chunks, chunk vectors and sentence vectors, into
 * another store without embedding anything again (`articleqa migrate`). The target is opened (and
 * created) with the source's embedder and chunker settings; a target built with another embedder is
 * refused by its `open`. Documents the target already holds with the same content hash are skipped,
 * so a stopped copy resumes where it stopped. Afterwards every source document is looked up in the
 * target and a sample of documents is compared chunk by chunk and vector by vector.
 * @throws IndexError from the target's `open` or `lock`; AbortError when `signal` aborts (finished
 * batches stay).
 */
export async function copyCollection(
  from: ArticleStore,
  to: ArticleStore,
  options: CopyCollectionOptions = {},
): Promise<CopySummary> {
  const started = performance.now();
  const { signal, onProgress } = options;
  const batchDocuments = Math.max(1, options.batchDocuments ?? 64);
  const source = from.manifest;
  await to.open({
    embedderId: source.embedderId,
    dimensions: source.dimensions,
    chunker: source.chunker,
    create: true,
  });
  const documents = await from.listDocuments();
  let copied = 0;
  let unchanged = 0;
  let vectorsWritten = 0;
  await to.lock({
    ...(options.waitForLock !== undefined ? { waitMs: options.waitForLock } : {}),
    ...(signal ? { signal } : {}),
  });
  try {
    for (let offset = 0; offset < documents.length; offset += batchDocuments) {
      throwIfAborted(signal);
      const records: DocumentRecord[] = [];
      for (const info of documents.slice(offset, offset + batchDocuments)) {
        if ((await to.sourceState(info.id))?.contentHash === info.contentHash) {
          unchanged += 1;
          continue;
        }
        // Gone since it was listed (removed by another writer): nothing to copy.
        const record = await from.readDocument(info.id);
        if (record) records.push(record);
      }
      if (records.length > 0) {
        const hashes = [...new Set(records.flatMap((record) => [...record.vectors.keys()]))];
        const held = await to.storedVectorHashes(hashes);
        const embedded = new Map<string, EmbeddedText>();
        for (const record of records)
          for (const [hash, stored] of record.vectors)
            if (!held.has(hash) && !embedded.has(hash)) embedded.set(hash, toEmbeddedText(stored));
        const writes: DocumentWrite[] = records.map(({ document, chunks, ingestedAt }) => ({
          document,
          chunks,
          ingestedAt,
        }));
        await to.writeDocuments(writes, embedded);
        copied += records.length;
        vectorsWritten += embedded.size;
      }
      onProgress?.({
        type: 'copied',
        done: Math.min(offset + batchDocuments, documents.length),
        total: documents.length,
        copied,
        unchanged,
      });
    }
  } finally {
    await to.unlock();
  }

  const sample = Math.min(documents.length, Math.max(0, options.verifySample ?? 50));
  onProgress?.({ type: 'verifying', documents: documents.length, sample });
  const targetDocuments = new Map((await to.listDocuments()).map((info) => [info.id, info]));
  const problems: string[] = [];
  const problem = (line: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(line);
    else if (problems.length === MAX_PROBLEMS) problems.push('… more differences not listed');
  };
  let documentsMatched = 0;
  for (const info of documents) {
    const copy = targetDocuments.get(info.id);
    if (!copy) problem(`${info.id}: missing from the target`);
    else if (copy.contentHash !== info.contentHash) problem(`${info.id}: different content in the target`);
    else if (copy.chunks !== info.chunks)
      problem(`${info.id}: ${copy.chunks} chunks in the target, ${info.chunks} in the source`);
    else documentsMatched += 1;
  }
  let vectorsCompared = 0;
  let maxVectorDifference = 0;
  for (let index = 0; index < sample; index += 1) {
    throwIfAborted(signal);
    // Spread over the whole collection rather than its first documents.
    const id = documents[Math.floor((index * documents.length) / sample)]!.id;
    const [original, copy] = await Promise.all([from.readDocument(id), to.readDocument(id)]);
    if (!original || !copy) continue;
    const difference = compareRecords(original, copy, problem);
    vectorsCompared += original.vectors.size;
    maxVectorDifference = Math.max(maxVectorDifference, difference);
  }
  return {
    documents: documents.length,
    copied,
    unchanged,
    vectorsWritten,
    onlyInTarget: targetDocuments.size - documents.filter((info) => targetDocuments.has(info.id)).length,
    verification: { documentsMatched, sampled: sample, vectorsCompared, maxVectorDifference, problems },
    seconds: (performance.now() - started) / 1000,
  };
}

/** A stored vector in the form writes take; int8 sentence vectors re-encode to the same bytes. */
function toEmbeddedText(stored: StoredVector): EmbeddedText {
  return { vector: stored.vector, sentences: stored.sentences.map(dequantise) };
}

function dequantise({ start, end, scale, values }: QuantisedSentenceVector): SentenceVector {
  const vector = new Float32Array(values.length);
  for (let d = 0; d < values.length; d += 1) vector[d] = values[d]! * scale;
  return { start, end, vector };
}

/** Reports every difference between a document and its copy; returns the largest vector difference. */
function compareRecords(
  original: DocumentRecord,
  copy: DocumentRecord,
  problem: (line: string) => void,
): number {
  const id = original.document.id;
  if (original.document.text !== copy.document.text) problem(`${id}: the text differs`);
  if (original.chunks.length !== copy.chunks.length) {
    problem(`${id}: ${copy.chunks.length} chunks in the copy, ${original.chunks.length} in the source`);
    return 0;
  }
  for (const [position, chunk] of original.chunks.entries()) {
    const other = copy.chunks[position]!;
    if (
      chunk.start !== other.start ||
      chunk.end !== other.end ||
      chunk.text !== other.text ||
      chunk.vectorHash !== other.vectorHash
    )
      problem(`${id}: chunk ${chunk.position} differs`);
  }
  let largest = 0;
  for (const [hash, stored] of original.vectors) {
    const other = copy.vectors.get(hash);
    if (!other) {
      problem(`${id}: vector ${hash.slice(0, 12)} missing from the copy`);
      continue;
    }
    const difference = maxDifference(stored.vector, other.vector);
    largest = Math.max(largest, difference);
    if (difference > VECTOR_TOLERANCE) problem(`${id}: vector ${hash.slice(0, 12)} differs by ${difference}`);
    if (!sameSentences(stored.sentences, other.sentences))
      problem(`${id}: sentence vectors of ${hash.slice(0, 12)} differ`);
  }
  return largest;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let largest = 0;
  for (let d = 0; d < a.length; d += 1) largest = Math.max(largest, Math.abs(a[d]! - b[d]!));
  return largest;
}

function sameSentences(
  a: readonly QuantisedSentenceVector[],
  b: readonly QuantisedSentenceVector[],
): boolean {
  if (a.length !== b.length) return false;
  return a.every((sentence, index) => {
    const other = b[index]!;
    return (
      sentence.start === other.start &&
      sentence.end === other.end &&
      Math.abs(sentence.scale - other.scale) <= VECTOR_TOLERANCE * Math.abs(sentence.scale) &&
      sentence.values.length === other.values.length &&
      sentence.values.every((value, d) => value === other.values[d])
    );
  });
}
