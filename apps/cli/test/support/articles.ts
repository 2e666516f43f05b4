import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One small article the tests write to disk, with what the loader should make of it. */
export interface TestArticle {
  file: string;
  title: string;
  content: string;
  /** A sentence of the article, verbatim in `content`. */
  keySentence: string;
}

export const lighthouse: TestArticle = {
  file: 'gull-island-lighthouse.md',
  title: 'Gull Island lighthouse reopens after restoration',
  keySentence:
    'The restoration cost 2.4 million euros and replaced the lantern room, which had been damaged by a storm in 2017.',
  content: `---
title: Gull Island lighthouse reopens after restoration
date: 2021-05-12
---

The lighthouse on Gull Island reopened to visitors on Saturday after a three-year restoration led by the Maritime Heritage Trust.

The restoration cost 2.4 million euros and replaced the lantern room, which had been damaged by a storm in 2017.

Harbour master Ingrid Solberg said the light would be switched on again every night from June.
`,
};

/** Plain text: the first line is the headline, the body starts after the blank line. */
export const bakery: TestArticle = {
  file: 'rye-flour-shortage.txt',
  title: 'Bakers warn of a rye flour shortage',
  keySentence:
    'Association chair Tomas Lindqvist said small bakeries would raise the price of rye bread by about ten percent.',
  content: `Bakers warn of a rye flour shortage

A poor harvest in the northern provinces has cut the supply of rye flour by almost a third, the national bakers association said on Monday.

Association chair Tomas Lindqvist said small bakeries would raise the price of rye bread by about ten percent.

The association asked the agriculture ministry to release flour from the emergency reserve.
`,
};

export const glacier: TestArticle = {
  file: 'alpine-glacier.html',
  title: 'Alpine glacier lost a tenth of its ice in one summer',
  keySentence:
    'Researchers from the University of Innsbruck measured the Hintereis glacier with drones and found it had lost a tenth of its volume since June.',
  content: `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Alpine glacier lost a tenth of its ice in one summer</title></head>
<body>
<nav><a href="/">Home</a> <a href="/science">Science</a></nav>
<article>
<h1>Alpine glacier lost a tenth of its ice in one summer</h1>
<p>Researchers from the University of Innsbruck measured the Hintereis glacier with drones and found it had lost a tenth of its volume since June.</p>
<p>The team blamed a long heatwave and an unusually thin layer of winter snow, which left the ice exposed to the sun for weeks.</p>
<p>Glaciologist Miriam Hofer said the glacier could disappear within three decades if summers stay this warm.</p>
</article>
<footer>Copyright 2022 Example News</footer>
</body>
</html>
`,
};

export const testArticles = [lighthouse, bakery, glacier] as const;

/** The text the loader keeps for the plain-text article: its body, without the headline. */
export const bakeryBody = bakery.content.slice(bakery.content.indexOf('\n\n') + 2).trim();

/** Writes the articles into `dir` (created when missing) and returns it. */
export function writeArticles(dir: string, articles: readonly TestArticle[] = testArticles): string {
  mkdirSync(dir, { recursive: true });
  for (const article of articles) writeFileSync(join(dir, article.file), article.content);
  return dir;
}
