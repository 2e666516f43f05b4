/**
 * Generic rules for lines that web pages and scrapers leave around an article: share buttons, comment
 * forms, calls to action, cookie notices, ads, date stamps. They are written for the kind of line, never
 * for one article, and each matches a whole line, so prose that merely mentions "click here" is kept.
 *
 * {@link cleanText} applies them only to lines shorter than {@link BOILERPLATE_MAX_LINE_LENGTH}, and only
 * to a paragraph whose every line matches (see there).
 */

/** A kind of boilerplate line. */
export interface BoilerplateRule {
  /** Stable kebab-case name, for tests and debugging. */
  name: string;
  /** What the rule removes. */
  description: string;
  /** Tested against one trimmed line; matches the whole line. */
  pattern: RegExp;
  /**
   * `tail` rules apply only near the end of a document (see {@link isInTail}), where "Tags:" and
   * "Related articles" lines sit; elsewhere such a line may be part of the article.
   */
  where: 'anywhere' | 'tail';
}

/** Lines at least this long are never treated as boilerplate: buttons and stamps are short. */
export const BOILERPLATE_MAX_LINE_LENGTH = 160;

const NETWORK = `(?:facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|tumblr|email|e-mail|telegram|flipboard|messenger|threads|bluesky|mastodon)`;
const SHARE_ITEM = `(?:share(?: this(?: article| story| post| page)?)?|tweet(?: this)?|pin(?: it)?|email this(?: article| story)?|print(?: this(?: article| page)?)?|(?:share|post) (?:on|to|via|with) ${NETWORK}|follow us(?: on ${NETWORK})?|${NETWORK})`;
const MONTH = String.raw`(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`;
const WEEKDAY = String.raw`(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?`;
const TIME_ZONE = '(?:gmt|utc|bst|cet|cest|eet|est|edt|cst|cdt|mst|mdt|pst|pdt|ist|jst|aest|aedt)';
const TIME = String.raw`(?:\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?)(?:\s*(?:${TIME_ZONE}|[+-]\d{2}:?\d{2}))?`;
const NUMERIC_DATE = String.raw`(?:\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})`;
const DATE_OR_TIME = `(?:${MONTH}|${TIME}|${NUMERIC_DATE})`;
const STAMP_TOKEN = String.raw`(?:${NUMERIC_DATE}|${TIME}|${MONTH}|${WEEKDAY}|\d{1,4}(?:st|nd|rd|th)?|at|on|published|updated|posted|last updated|modified)`;
const STAMP_SEPARATOR = String.raw`[\s,|·•–—/@-]`;

/** Builds a case-insensitive whole-line pattern allowing trailing punctuation and arrows. */
function line(body: string): RegExp {
  return new RegExp(String.raw`^(?:${body})[\s.!:…»›>→|*-]*$`, 'iu');
}

/** A capitalised name word: `Jane`, `O'Brien`, `Lee-Smith`, `J.`. */
const NAME_WORD = String.raw`\p{Lu}[\p{L}'’.-]*`;
const NAME = `${NAME_WORD}(?: ${NAME_WORD}){0,3}`;

/** The rules {@link cleanText} applies by default, in the order they are tried. */
export const BOILERPLATE_RULES: readonly BoilerplateRule[] = [
  {
    name: 'share-buttons',
    description: 'Share and follow buttons: "Share this", "Tweet", "Share on Facebook", "Follow us on X".',
    // Items must be separated: with an optional separator, a long run of them backtracks exponentially.
    pattern: line(String.raw`${SHARE_ITEM}(?:[\s|·•,/:]+${SHARE_ITEM})*`),
    where: 'anywhere',
  },
  {
    name: 'comment-prompts',
    description:
      'Comment forms and counters: "Leave a Reply", "Leave a comment", "12 comments", "You must be logged in to post a comment", "Your email address will not be published".',
    pattern: line(
      String.raw`leave a (?:reply|comment)|post a comment|add (?:a|your) comment|join the (?:discussion|conversation)|(?:view|show|read|see|load) (?:all )?(?:\d+ )?comments|comments?(?: \(\d+\))?|\d+ (?:comments?|responses?|replies)|no comments(?: yet)?|be the first to comment|you must be (?:logged|signed) in to (?:post|leave) a comment|(?:your email address will not be published|required fields are marked \*)(?:[.\s]+required fields are marked \*)?|cancel reply`,
    ),
    where: 'anywhere',
  },
  {
    name: 'calls-to-action',
    description:
      'Link prompts and sign-ups: "Click here…", "Read more…", "Continue reading", "Subscribe", "Sign up for our newsletter".',
    pattern: line(
      String.raw`(?:please )?click here\b.{0,120}|(?:read|see|view) (?:more|the full (?:story|article))\b.{0,120}|continue reading\b.{0,80}|(?:subscribe|sign up|sign-up|signup|register)(?: now| today| here| for free)?|(?:subscribe|sign up|sign-up|signup|register|get|join)\b.{0,80}\bnewsletters?\b.{0,80}`,
    ),
    where: 'anywhere',
  },
  {
    name: 'cookie-notices',
    description: 'Cookie banners: "We use cookies…", "This site uses cookies…", "Accept all cookies".',
    pattern: line(
      String.raw`(?:this (?:web)?site uses cookies|we use cookies|by (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site\b.{0,60}\bcookies|(?:accept|reject|manage)(?: all)? cookies|cookie (?:policy|settings|preferences))\b.{0,140}`,
    ),
    where: 'anywhere',
  },
  {
    name: 'advertisement',
    description: 'Ad slots: "Advertisement", "Sponsored content", "Story continues below advertisement".',
    pattern: line(
      String.raw`advertisement|advertising|ad|sponsored(?: content)?|(?:story|article) continues below(?: this)? advertisement|continue reading the main story|(?:advertisement|sponsored|ad|promoted|paid (?:post|content))\s*[:|–—-]\s*.{1,120}`,
    ),
    where: 'anywhere',
  },
  {
    name: 'inline-links',
    description:
      'Links to other stories set inside the article: "Related: Ferry fares to rise", "More on this story: ...", "See also: ...".',
    pattern: line(
      String.raw`(?:related(?: (?:story|stories|article|articles|coverage))?|more on this(?: story| topic)?|also read|read also|see also|recommended(?: reading)?)\s*:\s*.{1,120}`,
    ),
    where: 'anywhere',
  },
  {
    name: 'support-appeals',
    description:
      'Donation and membership boxes inside articles: "Enjoying The Northern Chronicle? Support independent journalism: donate from £1", "Become a member".',
    pattern: line(
      String.raw`(?:enjoy(?:ing|ed)?|like|liked|love|valu(?:e|ing)) (?:this|the|our|reading)\b.{0,60}\?\s*(?:please )?(?:support|donate|subscribe|become|help|chip in|contribute)\b.{0,120}|(?:please )?support (?:independent|quality|local|our|public[- ]interest) (?:journalism|reporting|newsroom|news)\b.{0,120}|(?:donate|give|contribute) (?:now|today|from|to (?:us|our))\b.{0,100}|become a (?:member|supporter|subscriber|patron)\b.{0,100}`,
    ),
    where: 'anywhere',
  },
  {
    name: 'figure-credits',
    description:
      'Picture and video credits: "Photo: Reuters", "Image credit: Jane Doe/AFP", "(Photo by Ann Lee/Getty Images)".',
    pattern: line(
      String.raw`(?:photo(?:graph)?s?|images?|pictures?|illustrations?|video|graphics?|footage)(?: credits?)?\s*:\s*.{1,60}|\((?:photo(?:graph)?s?|images?|pictures?|illustrations?|video|footage)(?: credits?)? by .{1,60}\)|credits?\s*:\s*.{0,60}\b(?:getty images|reuters|afp|ap photo|associated press|shutterstock|alamy|epa|pa images)\b.{0,40}`,
    ),
    where: 'anywhere',
  },
  {
    name: 'byline',
    description:
      'A byline line left in the body: "By Jane Doe", "By Jane Doe and Tom Ng, Reuters", "By JANE DOE | Staff Reporter". The byline belongs in metadata, which the HTML reader fills from the page.',
    // Case-sensitive on purpose: only capitalised names after "By", so "By Tuesday the river rose" stays.
    pattern: new RegExp(
      String.raw`^(?:By|BY|by) ${NAME}(?:(?:, | and | & )${NAME}){0,3}(?:\s*[,|·–—-]\s*(?:${NAME_WORD}\s*){1,5})?\s*$`,
      'u',
    ),
    where: 'anywhere',
  },
  {
    name: 'source-stamp',
    description:
      'Scraper stamps naming a source next to a date or time: "5 August 2015 | 3:24 pm – Source:".',
    pattern: new RegExp(String.raw`^(?=.*\bsource\s*:)(?=.*${DATE_OR_TIME}).*$`, 'iu'),
    where: 'anywhere',
  },
  {
    name: 'scraper-notice',
    description:
      'Notices added by article scrapers: "If the article suppose to have a video or a photo gallery and it does not appear on your screen…".',
    pattern: line(
      String.raw`if the (?:article|post|story|page) (?:suppose[ds]?|is supposed|was supposed) to (?:have|contain|include)\b.{0,140}|.{0,100}\b(?:does not|doesn't|did not) (?:appear|load|display) on your (?:screen|device)\b.{0,60}`,
    ),
    where: 'anywhere',
  },
  {
    name: 'lone-timestamp',
    description:
      'A line holding only a date and/or time, with at least one digit: "5 August 2015 | 3:24 pm", "Updated 12:05 GMT".',
    pattern: new RegExp(
      String.raw`^(?=.*\d)(?=.*${DATE_OR_TIME})(?:${STAMP_TOKEN}(?:${STAMP_SEPARATOR}+|$))+$`,
      'iu',
    ),
    where: 'anywhere',
  },
  {
    name: 'tags',
    description: 'Tag and category lists at the end: "Tags: China, internet".',
    pattern: /^(?:tags?|tagged(?: with)?|topics?|filed under|categories|category)\s*:.{0,150}$/iu,
    where: 'tail',
  },
  {
    name: 'related-links',
    description: 'Headings of link lists at the end: "Related articles", "More from…", "You may also like".',
    pattern: line(
      String.raw`related(?: articles?| stories| posts| content| reading| links| coverage)?|more (?:from|on|like this|stories)\b.{0,60}|you (?:may|might) also like|recommended(?: for you)?|read next|most (?:popular|read)|trending(?: now)?`,
    ),
    where: 'tail',
  },
  {
    name: 'copyright',
    description: 'Copyright footers at the end: "© 2015 Example Ltd. All rights reserved."',
    pattern: /^(?:(?:©|\(c\)|copyright)\s.{0,150}|.{0,150}\ball rights reserved\W*)$/iu,
    where: 'tail',
  },
];

/**
 * The first rule that matches `text` as a boilerplate line, if any.
 *
 * @param text - One trimmed line.
 * @param inTail - Whether the line is near the end of the document, which enables `tail` rules.
 * @param rules - The rules to try.
 * @defaultValue rules - {@link BOILERPLATE_RULES}
 */
export function matchBoilerplate(
  text: string,
  inTail: boolean,
  rules: readonly BoilerplateRule[] = BOILERPLATE_RULES,
): BoilerplateRule | undefined {
  if (text === '' || text.length >= BOILERPLATE_MAX_LINE_LENGTH) return undefined;
  return rules.find((rule) => (rule.where === 'anywhere' || inTail) && rule.pattern.test(text));
}

/**
 * Whether paragraph `index` of `count` is near the end of a document: among the last fifth of the
 * paragraphs, and never fewer than the last five, since page footers come in clusters.
 */
export function isInTail(index: number, count: number): boolean {
  const tailLength = Math.max(5, Math.ceil(count / 5));
  return index >= count - tailLength;
}
