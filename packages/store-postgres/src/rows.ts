import {
  type DocumentInfo,
  type DocumentMetadata,
  type DocumentRecord,
  decodeSentenceVectors,
  type StoredChunk,
  type StoredVector,
} from '@articleqa/core';

/** A metadata field as text when it is a string in the document's metadata (`d`), else null. */
function metadataText(field: string): string {
  return `CASE WHEN jsonb_typeof(d.metadata -> '${field}') = 'string' THEN d.metadata ->> '${field}' END`;
}

/** Columns of a {@link StoredChunk}, from chunks `c` joined with documents `d`. */
export const CHUNK_COLUMNS = `c.id, c.document_id, c.position, c.start, c."end", c.text, c.vector_id,
  d.title, d.source, d.url, d.published_at, ${metadataText('byline')} AS byline,
  ${metadataText('siteName')} AS site_name`;

/** Columns of a {@link DocumentInfo}, from documents `d` of the quoted `schema`. */
export function documentColumns(schema: string): string {
  return `d.id, d.title, d.source, d.url, d.published_at,
  ${metadataText('byline')} AS byline, ${metadataText('siteName')} AS site_name,
  (SELECT count(*) FROM ${schema}.chunks c WHERE c.document_id = d.id)::integer AS chunks,
  d.characters, d.content_hash, d.ingested_at`;
}

export interface ChunkRow {
  // bigint columns arrive as strings from node-postgres.
  id: string;
  document_id: string;
  position: number;
  start: number;
  end: number;
  text: string;
  vector_id: string;
  title: string;
  source: string;
  url: string | null;
  published_at: string | null;
  byline: string | null;
  site_name: string | null;
}

export interface DocumentRow {
  id: string;
  title: string;
  source: string;
  url: string | null;
  published_at: string | null;
  byline: string | null;
  site_name: string | null;
  chunks: number;
  characters: number;
  content_hash: string;
  ingested_at: Date;
}

export function toStoredChunk(row: ChunkRow): StoredChunk {
  return {
    id: Number(row.id),
    documentId: row.document_id,
    position: row.position,
    start: row.start,
    end: row.end,
    text: row.text,
    vectorId: Number(row.vector_id),
    title: row.title,
    source: row.source,
    url: row.url || null,
    publishedAt: row.published_at || null,
    byline: row.byline || null,
    siteName: row.site_name || null,
  };
}

export function toDocumentInfo(row: DocumentRow): DocumentInfo {
  return {
    id: row.id,
    title: row.title,
    source: row.source,
    ...(row.url ? { url: row.url } : {}),
    ...(row.published_at ? { publishedAt: row.published_at } : {}),
    ...(row.byline ? { byline: row.byline } : {}),
    ...(row.site_name ? { siteName: row.site_name } : {}),
    chunks: row.chunks,
    characters: row.characters,
    contentHash: row.content_hash,
    ingestedAt: new Date(row.ingested_at).toISOString(),
  };
}

/** A vector in pgvector's text form, `[0.1,0.2,...]`, which every float32 round-trips through exactly. */
export function toVectorText(vector: Float32Array): string {
  return `[${Array.from(vector).join(',')}]`;
}

/** pgvector's text form back to a Float32Array. */
export function fromVectorText(text: string): Float32Array {
  return Float32Array.from(JSON.parse(text) as number[]);
}

/** A document joined with each of its chunks and their vectors; chunk columns are null without chunks. */
export interface DocumentRecordRow {
  id: string;
  source: string;
  title: string;
  text: string;
  content_hash: string;
  format: string;
  metadata: DocumentMetadata;
  ingested_at: Date;
  position: number | null;
  start: number;
  end: number;
  tokens: number;
  chunk_text: string;
  hash: string;
  embedding: string;
  sentences: Buffer | null;
}

/** The rows of one document (in chunk order) as a {@link DocumentRecord}; undefined without rows. */
export function toDocumentRecord(rows: readonly DocumentRecordRow[]): DocumentRecord | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const vectors = new Map<string, StoredVector>();
  const chunks = rows
    .filter((row) => row.position !== null)
    .map((row) => {
      if (!vectors.has(row.hash))
        vectors.set(row.hash, {
          vector: fromVectorText(row.embedding),
          sentences: row.sentences ? decodeSentenceVectors(row.sentences) : [],
        });
      return {
        position: row.position!,
        start: row.start,
        end: row.end,
        tokens: row.tokens,
        text: row.chunk_text,
        vectorHash: row.hash,
      };
    });
  return {
    document: {
      id: first.id,
      source: first.source,
      title: first.title,
      text: first.text,
      contentHash: first.content_hash,
      format: first.format,
      metadata: first.metadata,
    },
    chunks,
    vectors,
    ingestedAt: new Date(first.ingested_at).toISOString(),
  };
}
