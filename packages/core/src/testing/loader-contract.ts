import { describe, expect, it } from 'vitest';
import { LoaderRegistry, type SourceLoader } from '../ingest/source-loader.js';
import { isArticleQAError } from '../shared/errors.js';

/** A source the loader must read, and what must come out of it. */
export interface LoaderSample {
  /** A path or URL with one of the loader's extensions. */
  source: string;
  content: string;
  /** The title of the first document, when it makes one. */
  title?: string;
  /** Text that the first document's text must contain (cleaned: one space between words). */
  contains?: readonly string[];
  /** The links it must list, in order (feeds and sitemaps). */
  links?: readonly string[];
}

/** How the loader contract gets the loader to test. */
export interface LoaderContractHarness {
  loader: SourceLoader;
  samples: readonly LoaderSample[];
  /** Contents it must refuse with an `InputError` (empty, no article in it). */
  invalid?: readonly string[];
}

/**
 * The behaviour every {@link SourceLoader} must have: it names its format, claims its extensions and
 * media types through the registry (ahead of the built-in loaders), and parses each sample into
 * cleaned documents or links, the same way every time; bad content is an `InputError`, not a crash.
 */
export function describeLoaderContract(name: string, harness: LoaderContractHarness): void {
  const { loader } = harness;
  describe(`${name} (SourceLoader contract)`, () => {
    it('names its format, extensions and media types in canonical form', () => {
      expect(loader.format).toMatch(/^[a-z0-9][a-z0-9+.-]*$/);
      expect(loader.extensions.length + loader.mediaTypes.length).toBeGreaterThan(0);
      for (const extension of loader.extensions) expect(extension).toMatch(/^\.[a-z0-9]+$/);
      for (const mediaType of loader.mediaTypes) expect(mediaType).toMatch(/^[a-z]+\/[a-z0-9.+-]+$/);
    });

    it('is picked by the registry for its extensions and media types', () => {
      const registry = new LoaderRegistry([loader]);
      for (const extension of loader.extensions)
        expect(registry.forPath(`/articles/a${extension.toUpperCase()}`)).toBe(loader);
      for (const mediaType of loader.mediaTypes)
        expect(registry.forMediaType(mediaType, 'https://example.test/page')).toBe(loader);
    });

    it('reads each sample into cleaned documents or links, the same way twice', async () => {
      for (const sample of harness.samples) {
        const input = { content: sample.content, source: sample.source };
        const loaded = await loader.parse(input);
        expect(loaded.documents.length + (loaded.links?.length ?? 0)).toBeGreaterThan(0);
        for (const document of loaded.documents) {
          expect(document.title).toMatch(/\S/);
          expect(document.title).toBe(document.title.trim());
          expect(document.text).toMatch(/\S/);
          expect(document.text).toBe(document.text.trim());
          expect(document.text).not.toMatch(/\r/);
          expect(typeof document.metadata).toBe('object');
        }
        const [first] = loaded.documents;
        if (sample.title !== undefined) expect(first?.title).toBe(sample.title);
        for (const text of sample.contains ?? []) expect(first?.text).toContain(text);
        if (sample.links !== undefined) expect(loaded.links ?? []).toEqual(sample.links);
        expect(await loader.parse(input)).toEqual(loaded);
      }
    });

    it('refuses unusable content with an InputError', async () => {
      for (const content of harness.invalid ?? []) {
        const error = await loader
          .parse({ content, source: harness.samples[0]?.source ?? '/articles/a' })
          .catch((caught: unknown) => caught);
        expect(isArticleQAError(error)).toBe(true);
      }
    });
  });
}
