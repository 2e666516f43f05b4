// The layers of @articleqa/core, lowest first. A module may import its own layer and the layers below
// it, never one above: so the pipeline reads bottom-up and a change ripples only upwards. `pnpm lint`
// runs this check (`depcruise src`).
const layers = [
  ['shared', '^src/shared/'], // errors, option helpers, the document types every stage passes on
  ['text', '^src/text/'], // sentence splitting, terms, vector math
  ['providers', '^src/providers/'], // model files and clients: transformers.js, ONNX graphs, OpenAI
  ['models', '^src/(embed|read)/'], // the Embedder and Reader ports and their implementations
  ['store', '^src/store/'], // the ArticleStore port and the local SQLite + HNSW store
  ['ingest', '^src/ingest/'], // loaders, cleaning, chunking, and the ingest pipeline into a store
  ['retrieve', '^src/retrieve/'], // retrieval stages: candidates, fusion, rerank, diversity, budget
  ['answer', '^src/answer/'], // answerers, citations, chat models
  ['qa', '^src/(article-qa|api-types|config)\\.ts$'], // ArticleQA, its public types, configuration
  ['feeds', '^src/feeds/'], // following feeds: the subscription list and polling over an ArticleQA
  ['eval', '^src/eval/'], // the evaluation harness over an ArticleQA
  ['entry', '^src/(index|testing)\\.ts$|^src/testing/'], // public entry points and contract suites
];

const upward = layers.flatMap(([name, path], index) =>
  layers.slice(index + 1).map(([above, abovePath]) => ({
    name: `layer-${name}-above-${above}`,
    comment: `${name} is below ${above}: it must not import it (see the layer order in .dependency-cruiser.cjs).`,
    severity: 'error',
    from: { path },
    to: { path: abovePath },
  })),
);

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'embed-and-read-independent',
      comment: 'The embedder and the reader share providers/, not each other.',
      severity: 'error',
      from: { path: '^src/embed/' },
      to: { path: '^src/read/' },
    },
    {
      name: 'read-and-embed-independent',
      severity: 'error',
      from: { path: '^src/read/' },
      to: { path: '^src/embed/' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
