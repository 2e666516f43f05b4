import { Command, InvalidArgumentError } from 'commander';

/** Runs a command module's function, loaded on demand so that --help and --version stay fast. */
type Runner = (...args: unknown[]) => Promise<number>;

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 1000)
    throw new InvalidArgumentError('Must be a whole number from 1 to 1000.');
  return parsed;
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new InvalidArgumentError('Must be a number of seconds, 0 or more.');
  return parsed;
}

const WAIT_HELP =
  'if another ingest or remove is writing, wait for it (up to this many seconds; no value: as long as it takes)';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const examples = (lines: string[]) => `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;

/**
 * The command tree. Each action receives the parsed arguments and the merged global options; the
 * result is the exit code.
 */
export function buildProgram(
  version: string,
  run: (load: () => Promise<Runner>, ...args: unknown[]) => Promise<void>,
): Command {
  const program = new Command('articleqa')
    .description(
      'Ask questions about your articles. Answers quote the articles, with citations; offline by default.',
    )
    .version(version, '-V, --version')
    .option('--index <dir>', 'index directory (default: .articleqa, or $ARTICLEQA_INDEX)')
    .option(
      '--store <url>',
      'keep the collection in Postgres with pgvector (postgres://...; or $ARTICLEQA_STORE)',
    )
    .option('-q, --quiet', 'print only results and errors')
    .option('-v, --verbose', 'print more, including the cause chain of errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      'after',
      examples([
        'articleqa ask "Why does China want police inside internet companies?"',
        'articleqa ingest corpus/ https://example.com/article.html',
        'articleqa chat',
        'articleqa search "network security offices" --k 5',
      ]),
    );

  const globals = (command: Command) => command.optsWithGlobals();

  program
    .command('ask')
    .description('answer a question from the indexed articles, with sources')
    .argument('<question>', 'the question, in quotes')
    .option('--json', 'print the full result object as JSON')
    .option('-k, --k <n>', 'chunks to retrieve (default: 6)', positiveInteger)
    .option(
      '--filter <key=value>',
      'only some articles: doc=<id>, source=<text>, after=<date>, before=<date> (repeatable)',
      collect,
    )
    .option('--no-llm', 'answer offline even when an LLM is configured')
    .option('--corpus <dir>', 'folder indexed on first use when the index is empty', 'corpus')
    .addHelpText(
      'after',
      `${examples([
        'articleqa ask "Who announced the network security offices?"',
        'articleqa ask "What is planned?" --json --no-llm',
      ])}
Questions (and search queries) may be up to 2,000 characters long.
`,
    )
    .action((question: string, _options, command: Command) =>
      run(() => import('./commands/ask.js').then((m) => m.askCommand as Runner), question, globals(command)),
    );

  program
    .command('chat')
    .description(
      'ask questions in a conversation; follow-ups use the history (one question a line when piped)',
    )
    .option('-k, --k <n>', 'chunks to retrieve (default: 6)', positiveInteger)
    .option('--no-llm', 'answer offline even when an LLM is configured')
    .option('--corpus <dir>', 'folder indexed on first use when the index is empty', 'corpus')
    .addHelpText(
      'after',
      examples(['articleqa chat', 'printf "What will be set up?\\nWho announced it?\\n" | articleqa chat']),
    )
    .action((_options, command: Command) =>
      run(() => import('./commands/chat.js').then((m) => m.chatCommand as Runner), globals(command)),
    );

  program
    .command('ingest')
    .description(
      'add or update articles: Markdown, text, HTML files, folders (recursively), http(s) URLs, and the entries of RSS, Atom, JSON feeds and sitemaps',
    )
    .argument('<paths...>', 'files, folders, URLs, feeds or sitemaps')
    .option('--json', 'print the summary as JSON')
    .option('--no-prune', 'keep indexed documents whose files left an ingested folder')
    .option(
      '--reread',
      'read every file again, even those whose size and modification time are unchanged since they were stored',
    )
    .option('--ignore-robots', "fetch pages even where a site's robots.txt disallows articleqa")
    .option('--wait [seconds]', WAIT_HELP, seconds)
    .option(
      '--queue',
      'queue one job per source for `articleqa worker` instead of ingesting here (Postgres store only; file paths are made absolute and must be readable where the workers run)',
    )
    .addHelpText(
      'after',
      `${examples([
        'articleqa ingest corpus/',
        'articleqa ingest notes.md https://example.com/story.html --json',
        'articleqa ingest https://example.com/feed.xml https://example.com/sitemap.xml',
        'ARTICLEQA_STORE=postgres://... articleqa ingest --queue /srv/articles/',
      ])}
Limits: a file or downloaded page may be up to 20 MB; a URL that has not answered within 15 s fails
(each one line in the summary; the rest goes in).
Fetching is polite: a User-Agent naming articleqa, each site's robots.txt obeyed (--ignore-robots
overrides), at least 250 ms between requests to one host (more if robots.txt asks for a Crawl-delay),
and 429/503 answers retried twice after the server's Retry-After (up to 30 s) or 1 s, 2 s.
Files whose size and modification time are those stored are skipped without being read.
Ctrl-C stops after the batch in hand (exit 130): what was stored stays, and running the same command
again finishes the rest without embedding anything twice.
`,
    )
    .action((paths: string[], _options, command: Command) =>
      run(
        () => import('./commands/ingest.js').then((m) => m.ingestCommand as Runner),
        paths,
        globals(command),
      ),
    );

  program
    .command('worker')
    .description(
      'ingest the sources queued with `ingest --queue`, until SIGTERM or Ctrl-C (Postgres store only; run one or more, on any host)',
    )
    .addHelpText(
      'after',
      `${examples(['ARTICLEQA_STORE=postgres://... articleqa worker', 'articleqa worker --store postgres://...'])}
A job whose source fails to load is retried 3 times with growing delays, then moved to the
dead-letter queue (\`articleqa stats\` counts it). On SIGTERM or SIGINT the worker takes no more
jobs, lets the one in hand finish (or hands it back to the queue after 10 s) and exits 0.
`,
    )
    .action((_options, command: Command) =>
      run(() => import('./commands/worker.js').then((m) => m.workerCommand as Runner), globals(command)),
    );

  program
    .command('migrate')
    .description(
      'copy this collection into another (--to) or another into this one (--from), without embedding again',
    )
    .option('--to <postgres-url|dir>', 'copy this collection (the index folder, or --store) there')
    .option('--from <postgres-url|dir>', 'copy that collection into this one')
    .option('--json', 'print the summary and verification as JSON')
    .option('--wait [seconds]', WAIT_HELP, seconds)
    .addHelpText(
      'after',
      `${examples([
        'articleqa migrate --to postgres://user:password@db.internal:5432/articleqa',
        'articleqa migrate --from postgres://user:password@db.internal:5432/articleqa --index ./backup',
      ])}
Documents, chunks, vectors and sentence vectors are copied as they are; documents the target already
holds with the same content are skipped, so a stopped copy (Ctrl-C, exit 130) resumes when run again.
Afterwards every document is checked in the target and a sample is compared vector by vector; a
difference exits 1. A copy adds and replaces documents, it never removes any from the target.
`,
    )
    .action((_options, command: Command) =>
      run(() => import('./commands/migrate.js').then((m) => m.migrateCommand as Runner), globals(command)),
    );

  const feeds = program
    .command('feeds')
    .description('follow RSS, Atom, JSON feeds and sitemaps: `articleqa watch` ingests their new entries')
    .addHelpText(
      'after',
      examples([
        'articleqa feeds add https://example.com/feed.xml',
        'articleqa feeds list',
        'articleqa feeds remove https://example.com/feed.xml',
      ]),
    );
  feeds
    .command('add')
    .description('follow feeds (each is checked to be a feed or sitemap first)')
    .argument('<urls...>', 'feed or sitemap URLs')
    .addHelpText('after', examples(['articleqa feeds add https://example.com/feed.xml', 'articleqa watch']))
    .action((urls: string[], _options, command: Command) =>
      run(
        () => import('./commands/feeds.js').then((m) => m.feedsAddCommand as Runner),
        urls,
        globals(command),
      ),
    );
  feeds
    .command('list')
    .description('the followed feeds, when each was polled and is next due')
    .option('--json', 'print as JSON')
    .action((_options, command: Command) =>
      run(() => import('./commands/feeds.js').then((m) => m.feedsListCommand as Runner), globals(command)),
    );
  feeds
    .command('remove')
    .description('stop following feeds (their articles stay in the index)')
    .argument('<urls...>', 'feed URLs as `feeds list` shows them')
    .action((urls: string[], _options, command: Command) =>
      run(
        () => import('./commands/feeds.js').then((m) => m.feedsRemoveCommand as Runner),
        urls,
        globals(command),
      ),
    );

  program
    .command('watch')
    .description(
      'poll the followed feeds when due and ingest new and changed entries, until Ctrl-C or SIGTERM',
    )
    .option('--every <seconds>', 'poll every feed this often instead of what each asks for', seconds)
    .addHelpText(
      'after',
      `${examples(['articleqa feeds add https://example.com/feed.xml', 'articleqa watch'])}
Each feed is polled on its own interval: what it asks for (RSS ttl, sy:updatePeriod, Cache-Control
max-age) within 1 minute and 1 day, else every 15 minutes. New and changed entries are ingested (one
line each); unchanged pages answer 304 or hash the same and cost nothing. The feed list lives in the
index directory (feeds.json). Stopping finishes the feed in hand and exits 0. With a Postgres store the
workers poll the followed feeds instead (\`articleqa worker\`), one poll per feed however many run.
`,
    )
    .action((_options, command: Command) =>
      run(() => import('./commands/feeds.js').then((m) => m.watchCommand as Runner), globals(command)),
    );

  program
    .command('search')
    .description('show the chunks that best match a query, with scores and offsets')
    .argument('<query>', 'search text')
    .option('--json', 'print results as JSON')
    .option('-k, --k <n>', 'results (default: 10)', positiveInteger)
    .option(
      '--filter <key=value>',
      'doc=<id>, source=<text>, after=<date>, before=<date> (repeatable)',
      collect,
    )
    .addHelpText('after', examples(['articleqa search "cyber crime units" --k 3']))
    .action((query: string, _options, command: Command) =>
      run(
        () => import('./commands/search.js').then((m) => m.searchCommand as Runner),
        query,
        globals(command),
      ),
    );

  program
    .command('list')
    .description('list indexed articles')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['articleqa list', 'articleqa list --json']))
    .action((_options, command: Command) =>
      run(() => import('./commands/list.js').then((m) => m.listCommand as Runner), globals(command)),
    );

  program
    .command('remove')
    .description('remove articles by id (or unique id prefix), file path, URL, or every article of a folder')
    .argument('<references...>', 'ids, paths, URLs or folders (see `articleqa list`)')
    .option('--json', 'print the outcome as JSON')
    .option('--wait [seconds]', WAIT_HELP, seconds)
    .option('-y, --yes', 'remove every document of a folder without asking')
    .addHelpText(
      'after',
      `${examples(['articleqa remove 3f2a9c1b', 'articleqa remove corpus/old-story.md', 'articleqa remove corpus/2019/ --yes'])}
A folder (an existing one, or a path ending in /) removes every document ingested from inside it, at any
depth, after asking "Remove N documents ...? [y/N]"; without a terminal to ask, --yes is required.
`,
    )
    .action((references: string[], _options, command: Command) =>
      run(
        () => import('./commands/remove.js').then((m) => m.removeCommand as Runner),
        references,
        globals(command),
      ),
    );

  program
    .command('stats')
    .description(
      'documents, chunks, size on disk, embedder and last ingest (and the ingest queue, on Postgres)',
    )
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['articleqa stats']))
    .action((_options, command: Command) =>
      run(() => import('./commands/stats.js').then((m) => m.statsCommand as Runner), globals(command)),
    );

  program
    .command('eval')
    .description('score retrieval, answers, citations and abstention on a JSONL question set')
    .argument('<questions.jsonl>', 'lines of {"id","question","answers":[...],"article","answerable"}')
    .option('--corpus <dir>', 'ingest this folder first (incrementally)')
    .option('-k, --k <n>', 'chunks retrieved per question', positiveInteger, 10)
    .option('--out <file>', 'write one JSON line per question')
    .option('--json', 'print metrics as JSON')
    .option('--no-llm', 'evaluate the offline answerer even when an LLM is configured')
    .addHelpText(
      'after',
      examples([
        'articleqa eval packages/core/test/fixtures/seed-questions.jsonl --corpus corpus --out results.jsonl',
      ]),
    )
    .action((file: string, _options, command: Command) =>
      run(() => import('./commands/eval.js').then((m) => m.evalCommand as Runner), file, globals(command)),
    );

  program
    .command('config')
    .description('show the effective configuration (secrets masked)')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['articleqa config']))
    .action((_options, command: Command) =>
      run(() => import('./commands/config.js').then((m) => m.configCommand as Runner), globals(command)),
    );

  return program;
}
