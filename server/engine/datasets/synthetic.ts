import { containsAnswer, normalizeAnswer } from '../metrics/scoring.ts';
import type { Passage } from '../retrieval/knowledge-base.ts';
import type { ChatMessage, Example, RequestMetadata } from '../types.ts';
import { sampleIndices } from './sampling.ts';

/**
 * Synthetic question–answer pairs from a knowledge base: which chunks to use, what to ask the
 * generator model, and which of its pairs to keep. No model, database or GraphQL here: the caller
 * passes a `generate` function that reaches the model (through the cache, retries and limiter).
 */

/** Tag of the prompt and the parser; part of the cache key, so a changed prompt never replays old replies. */
export const SYNTHETIC_PROMPT_VERSION = 'synthetic-qa/1';

/** Why a pair (or a whole reply) was not kept. */
export const REJECTION_REASONS = [
  /** The call failed after every retry: the chunk's requested pairs are lost. */
  'CALL_FAILED',
  /** The reply holds no JSON list of pairs: the chunk's requested pairs are lost. */
  'UNPARSEABLE',
  /** A pair without a question or an answer, or one too long. */
  'INVALID',
  /** The answer is not in the chunk (as whole words, numbers compared as values). */
  'NOT_IN_CHUNK',
  /** The question already states the answer. */
  'ANSWER_IN_QUESTION',
  /** The question shares no content word with the chunk or its title. */
  'OFF_TOPIC',
  /** The same question (or the same answer to a near-identical question) was already kept. */
  'DUPLICATE',
  /** More valid pairs than were asked for from this chunk. */
  'EXTRA',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const PAIR_LIMITS = {
  questionChars: { min: 10, max: 400 },
  answerChars: { min: 1, max: 120 },
  /** Token overlap (Jaccard) from which two questions with the same answer count as one. */
  nearDuplicate: 0.7,
} as const;

export interface GeneratedPair {
  question: string;
  answer: string;
}

export interface Rejection {
  reason: RejectionReason;
  detail: string;
}

export interface ChunkOutcome {
  chunk: Passage;
  accepted: GeneratedPair[];
  rejected: Rejection[];
}

/** Chunks shorter than this (the tail of a word window without overlap, say) hold no fact worth a question. */
export const MIN_CHUNK_WORDS = 8;

/**
 * The chunks to generate from: `maxChunks` of them, a seeded sample in a fixed order (all when there
 * are fewer), leaving out chunks under {@link MIN_CHUNK_WORDS} words unless there are no others.
 */
export function pickChunks(
  passages: readonly Passage[],
  maxChunks: number,
  seed: number,
): Passage[] {
  const long = passages.filter((p) => p.text.split(/\s+/).length >= MIN_CHUNK_WORDS);
  const pool = long.length > 0 ? long : passages;
  return sampleIndices(pool.length, maxChunks, seed).map((index) => pool[index] as Passage);
}

/** The generator's prompt: grounded, self-contained questions with short answers copied from the chunk, as one JSON object. */
export function generationMessages(chunk: Passage, count: number): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You write question-answer pairs for testing question answering over documents. Reply with JSON only.',
    },
    {
      role: 'user',
      content: [
        `Write ${count} question-answer pairs grounded in the passage below.`,
        'Rules:',
        '- Each question must be answerable from the passage alone, and make sense without it: name the subject, never say "the passage" or "the text".',
        '- Each answer is a short span (1 to 8 words) copied exactly from the passage.',
        '- The answer must not appear in its question. No two questions may ask for the same fact.',
        'Reply with one JSON object and nothing else: {"pairs": [{"question": "...", "answer": "..."}]}',
        '',
        `Title: ${chunk.title}`,
        'Passage:',
        '"""',
        chunk.text,
        '"""',
      ].join('\n'),
    },
  ];
}

/** What the simulated provider reads instead of the prompt text. */
export function generationMetadata(chunk: Passage, count: number): RequestMetadata {
  return {
    method: 'NAIVE',
    question: '',
    synthesize: { title: chunk.title, passage: chunk.text, count },
  };
}

/**
 * The pairs of a reply: a JSON object `{pairs: [...]}` or a bare list, possibly inside a Markdown
 * code fence or after some chatter (the outermost braces or brackets are tried). Null when there is no such list.
 */
export function parseGeneratedReply(text: string): unknown[] | null {
  const unfenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1] ?? text;
  for (const candidate of [
    unfenced.trim(),
    outermost(unfenced, '{', '}'),
    outermost(unfenced, '[', ']'),
  ]) {
    if (!candidate) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (Array.isArray(parsed)) return parsed;
    if (parsed && typeof parsed === 'object') {
      const pairs =
        (parsed as Record<string, unknown>).pairs ?? (parsed as Record<string, unknown>).questions;
      if (Array.isArray(pairs)) return pairs;
    }
  }
  return null;
}

function outermost(text: string, open: string, close: string): string | null {
  const start = text.indexOf(open);
  const end = text.lastIndexOf(close);
  return start >= 0 && end > start ? text.slice(start, end + 1) : null;
}

/**
 * Keeps the pairs of one chunk that are well formed, grounded in the chunk and new, up to `count`;
 * `kept` (every pair accepted so far, all chunks) is extended in place, so the order of chunks decides
 * which of two duplicates stays.
 */
export function validatePairs(
  chunk: Passage,
  items: readonly unknown[],
  count: number,
  kept: KeptPairs,
): ChunkOutcome {
  const accepted: GeneratedPair[] = [];
  const rejected: Rejection[] = [];
  for (const item of items) {
    const verdict = checkPair(chunk, item, kept);
    if ('reason' in verdict) {
      rejected.push(verdict);
    } else if (accepted.length >= count) {
      rejected.push({ reason: 'EXTRA', detail: `only ${count} pairs were asked for` });
    } else {
      accepted.push(verdict);
      kept.add(verdict);
    }
  }
  return { chunk, accepted, rejected };
}

function checkPair(chunk: Passage, item: unknown, kept: KeptPairs): GeneratedPair | Rejection {
  const fields = item && typeof item === 'object' ? (item as Record<string, unknown>) : {};
  const question = asText(fields.question);
  const answer = asText(fields.answer)
    ?.replace(/[.;,]+$/, '')
    .trim();
  const { questionChars, answerChars } = PAIR_LIMITS;
  if (!question || !answer)
    return { reason: 'INVALID', detail: 'a pair needs a non-empty "question" and "answer"' };
  if (question.length < questionChars.min || question.length > questionChars.max)
    return {
      reason: 'INVALID',
      detail: `the question has ${question.length} characters, not ${questionChars.min}..${questionChars.max}`,
    };
  if (answer.length > answerChars.max)
    return {
      reason: 'INVALID',
      detail: `the answer has ${answer.length} characters, more than ${answerChars.max}`,
    };
  const gold = { answer, aliases: [] };
  if (!containsAnswer(chunk.text, gold))
    return { reason: 'NOT_IN_CHUNK', detail: `"${answer}" is not in the chunk` };
  if (containsAnswer(question, gold))
    return { reason: 'ANSWER_IN_QUESTION', detail: `the question already says "${answer}"` };
  const chunkWords = new Set(contentWords(`${chunk.title} ${chunk.text}`));
  if (!contentWords(question).some((word) => chunkWords.has(word)))
    return { reason: 'OFF_TOPIC', detail: 'the question shares no content word with the chunk' };
  const duplicate = kept.duplicateOf({ question, answer });
  if (duplicate)
    return { reason: 'DUPLICATE', detail: `same as the kept question "${duplicate.question}"` };
  return { question, answer };
}

function asText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

const STOPWORDS = new Set(
  'a an the of in on at to for by with from and or is are was were be been what which who whom whose when where why how did does do this that these those it its as into than then there their they he she his her has have had not about after before over under during many much'.split(
    ' ',
  ),
);

function contentWords(text: string): string[] {
  return normalizeAnswer(text)
    .split(' ')
    .filter((word) => word.length >= 3 && !STOPWORDS.has(word));
}

/** Every pair kept so far, indexed for the duplicate check. */
export class KeptPairs {
  private readonly byQuestion = new Map<string, GeneratedPair>();
  private readonly byAnswer = new Map<string, { pair: GeneratedPair; words: Set<string> }[]>();

  add(pair: GeneratedPair): void {
    this.byQuestion.set(normalizeAnswer(pair.question), pair);
    const key = normalizeAnswer(pair.answer);
    const list = this.byAnswer.get(key) ?? [];
    list.push({ pair, words: new Set(contentWords(pair.question)) });
    this.byAnswer.set(key, list);
  }

  /** A kept pair this one repeats: the same question, or the same answer to a question of mostly the same words. */
  duplicateOf(pair: GeneratedPair): GeneratedPair | null {
    const same = this.byQuestion.get(normalizeAnswer(pair.question));
    if (same) return same;
    const words = new Set(contentWords(pair.question));
    const near = (this.byAnswer.get(normalizeAnswer(pair.answer)) ?? []).find(
      (other) => jaccard(words, other.words) >= PAIR_LIMITS.nearDuplicate,
    );
    return near?.pair ?? null;
  }
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared += 1;
  return shared / (a.size + b.size - shared);
}

/** A kept pair as a dataset record: the source chunk, its document and text go in the metadata. */
export function toExample(
  pair: GeneratedPair,
  chunk: Passage,
  position: number,
  knowledgeBase: string,
): Example {
  return {
    id: `q${String(position + 1).padStart(4, '0')}`,
    question: pair.question,
    answer: pair.answer,
    aliases: [],
    metadata: {
      knowledgeBase,
      chunkId: chunk.id,
      documentId: chunk.articleId,
      // The name the retrieval hit-rate check reads to know which article holds the answer.
      evidence_source: chunk.title,
      chunkText: chunk.text,
    },
  };
}
