// Questions that ask for a quantity, a date or a time. "When" is left out: its answers are as often
// events ("after the war") as dates.
const QUANTITY_QUESTION = new RegExp(
  [
    String.raw`^\W*how\s+(?:many|much|long|old|far|big|large|tall|high|often|fast|early|late)\b`,
    String.raw`^\W*(?:(?:in|by|since|until)\s+)?(?:what|which)\s+(?:year|years|decade|century|percentage|percent|proportion|number|amount|date|day|month|age|time)\b`,
    String.raw`^\W*(?:what|which)\s+(?:is|was|are|were|will\s+be)\s+the\s+(?:population|number|amount|cost|price|size|length|height|distance|area|rate|percentage|total|age|speed)\b`,
  ].join('|'),
  'i',
);

const NUMBER_WORDS = `one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
  sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
  hundreds thousand thousands million millions billion billions trillion dozen dozens half quarter
  once twice single double triple percent
  january february march april may june july august september october november december
  monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
  century centuries decade decades year years month months week weeks day days hour hours minute minutes`;
const QUANTITY = new RegExp(`\\p{N}|\\b(?:${NUMBER_WORDS.trim().split(/\s+/).join('|')})\\b`, 'iu');

/** True when `question` asks for a number, an amount, a date or a duration ("How many ...?"). */
export function asksForQuantity(question: string): boolean {
  return QUANTITY_QUESTION.test(question);
}

/** True when `text` states some quantity, date or duration, in digits or in words. */
export function statesQuantity(text: string): boolean {
  return QUANTITY.test(text);
}
