import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentId } from './create-document.js';
import { loadDocument } from './load-document.js';

const ARTICLE = `<!doctype html><html><head><title>Police in internet firms | Example Times</title>
<meta property="og:site_name" content="Example Times"><meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2015-08-05T15:24:00Z"></head>
<body><nav><a href="/">Home</a></nav><article><h1>Police in internet firms</h1>
<p>${'China wants to install police officers inside the country’s internet companies. '.repeat(4)}</p>
<p>${'The move is in line with China’s practice of dealing with cyber crime. '.repeat(4)}</p>
</article><footer>© 2015 Example Times</footer></body></html>`;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const routes: Record<string, Handler> = {
  '/article': (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(ARTICLE);
  },
  '/moved': (_request, response) => {
    response.writeHead(301, { location: '/article' }).end();
  },
  '/notes.md': (_request, response) => {
    response
      .writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' })
      .end('---\ntitle: Notes\n---\nSome *notes*.');
  },
  '/raw/notes.md': (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('# Raw notes\n\nFrom a **raw** file host.');
  },
  '/plain': (_request, response) => {
    response
      .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      .end('Plain headline\n\nPlain body.');
  },
  '/latin1': (_request, response) => {
    response
      .writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' })
      .end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  },
  '/missing': (_request, response) => {
    response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
  },
  '/image': (_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  },
  '/hang': () => {
    // Never answers: the client's timeout must end the request.
  },
  '/slow-body': (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.write('Headline\n\nThe body starts but never ends');
  },
  '/big-declared': (_request, response) => {
    response
      .writeHead(200, { 'content-type': 'text/plain', 'content-length': String(10_000) })
      .end('x'.repeat(10_000));
  },
  '/big-streamed': (_request, response) => {
    // Chunked, no Content-Length: the limit must be enforced while reading.
    response.writeHead(200, { 'content-type': 'text/plain' });
    for (let index = 0; index < 20; index++) response.write('x'.repeat(1000));
    response.end();
  },
};

let server: Server;
let base: string;
const requested: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    requested.push(path);
    const handler = routes[path];
    if (handler === undefined) response.writeHead(500).end();
    else handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('loadDocument from URLs', () => {
  it('loads an HTML page with its metadata, using the fetch URL as canonical', async () => {
    const document = await loadDocument(`${base}/article#comments`);
    expect(document).toMatchObject({
      source: `${base}/article`,
      id: documentId(`${base}/article`),
      format: 'html',
      title: 'Police in internet firms',
      metadata: {
        url: `${base}/article`,
        byline: 'Jane Doe',
        siteName: 'Example Times',
        publishedAt: '2015-08-05T15:24:00.000Z',
      },
    });
    expect(document.text.split('\n\n')).toHaveLength(2);
    expect(document.text).not.toContain('Home');
  });

  it('follows redirects and records the final URL', async () => {
    const document = await loadDocument(`${base}/moved`);
    expect(document.source).toBe(`${base}/moved`);
    expect(document.metadata.url).toBe(`${base}/article`);
  });

  it('reads text/markdown as Markdown and text/plain as text', async () => {
    await expect(loadDocument(`${base}/notes.md`)).resolves.toMatchObject({
      format: 'markdown',
      title: 'Notes',
      text: 'Some notes.',
    });
    await expect(loadDocument(`${base}/plain`)).resolves.toMatchObject({
      format: 'text',
      title: 'Plain headline',
      text: 'Plain body.',
    });
  });

  it('reads a text/plain .md file as Markdown', async () => {
    await expect(loadDocument(`${base}/raw/notes.md`)).resolves.toMatchObject({
      format: 'markdown',
      title: 'Raw notes',
      text: 'From a raw file host.',
    });
  });

  it('decodes the charset the server declares', async () => {
    await expect(loadDocument(`${base}/latin1`)).resolves.toMatchObject({ text: 'café' });
  });

  it('rejects a 404 with E_FETCH naming the status', async () => {
    const error = await loadDocument(`${base}/missing`).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'E_FETCH', source: `${base}/missing` });
    expect((error as Error).message).toContain('404');
  });

  it('rejects an unsupported content type with E_UNSUPPORTED', async () => {
    await expect(loadDocument(`${base}/image`)).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });
  });

  it('times out a server that never answers with E_FETCH', async () => {
    const started = Date.now();
    await expect(loadDocument(`${base}/hang`, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'E_FETCH' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('times out a body that never ends with E_FETCH', async () => {
    await expect(loadDocument(`${base}/slow-body`, { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'E_FETCH',
    });
  });

  it('rejects bodies over maxBytes, declared or streamed, with E_TOO_LARGE', async () => {
    await expect(loadDocument(`${base}/big-declared`, { maxBytes: 5000 })).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
    });
    await expect(loadDocument(`${base}/big-streamed`, { maxBytes: 5000 })).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
    });
  });

  it('rejects a refused connection with E_FETCH', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await loadDocument(`http://127.0.0.1:${port}/article`).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'E_FETCH' });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('rejects with AbortError when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = loadDocument(`${base}/hang`, { signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'E_ABORTED' });
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const fetch = async (url: string) => {
      calls.push(url);
      return new Response('Injected headline\n\nInjected body.', {
        headers: { 'content-type': 'text/plain' },
      });
    };
    const document = await loadDocument('https://example.invalid/story', { fetch });
    expect(calls).toEqual(['https://example.invalid/story']);
    expect(document.title).toBe('Injected headline');
  });
});
