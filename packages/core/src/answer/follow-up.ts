import { contentTerms } from '../text/terms.js';
import type { ChatMessage } from './chat-model.js';

const REFERRING_WORDS =
  /\b(it|its|they|them|their|theirs|he|him|his|she|her|hers|this|that|these|those|there|then|such|the same)\b/i;
const CONTINUATIONS = /^\s*(and|but|also|so|then|what about|how about|why|who|when|where|how)\b/i;

/**
 * The offline follow-up heuristic: when a question leans on the conversation (it has a referring word
 * such as "it", "they", "that", "there"; or starts like a continuation, "and who...", "what about...",
 * with fewer than three content words; or has fewer than two content words), the previous user
 * question is appended to it for retrieval. Otherwise the question stands alone as asked.
 *
 * @example
 * rewriteFollowUp('and who announced it?', [{ role: 'user', content: 'What will China set up in internet firms?' }])
 * // 'and who announced it? What will China set up in internet firms?'
 */
export function rewriteFollowUp(question: string, history: readonly ChatMessage[]): string {
  const previous = [...history].reverse().find((message) => message.role === 'user');
  if (!previous) return question;
  const terms = contentTerms(question).length;
  const leans = REFERRING_WORDS.test(question) || (CONTINUATIONS.test(question) && terms < 3) || terms < 2;
  return leans ? `${question.trim()} ${previous.content.trim()}` : question;
}
