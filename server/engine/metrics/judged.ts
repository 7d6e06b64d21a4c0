import type { ChatMessage, Example, RequestMetadata } from '../types.ts';

/** The judge-graded metrics and what each sends to its model. */
export const JUDGED_METRICS = ['FAITHFULNESS', 'CONTEXT_RELEVANCE', 'JUDGE'] as const;
export type JudgedMetric = (typeof JUDGED_METRICS)[number];

const JUDGE_NAMES: Readonly<Record<JudgedMetric, string>> = {
  FAITHFULNESS: 'faithfulness judge',
  CONTEXT_RELEVANCE: 'context-relevance judge',
  JUDGE: 'LLM judge',
};

/** What the judge is shown about one sample. */
export interface JudgedSample {
  question: string;
  answer: string;
  example: Example;
  /** The retrieved passages as `[rank] title: text` lines, in rank order; null when the sample retrieved nothing. */
  passages: readonly string[] | null;
}

/** One judge call: the messages, and what the simulator answers from instead of reading them. */
export type JudgeCall = (
  messages: ChatMessage[],
  metadata: RequestMetadata,
) => Promise<{ text: string }>;

/** A metric's value and the exchange that produced it (shown with the sample). */
export interface JudgedValue<T> {
  value: T;
  prompt: ChatMessage[];
  reply: string;
}

/** The judge's reply could not be read; the metric is null with this reason, the sample keeps the rest. */
export class UnparseableReplyError extends Error {
  constructor(
    readonly metric: JudgedMetric,
    reason: string,
    readonly reply: string,
  ) {
    super(`the ${JUDGE_NAMES[metric]}'s reply is unusable: ${reason}`);
  }
}

/** The sample is of a kind the metric does not apply to (no retrieved passages); null with this reason. */
export class NotApplicableError extends Error {}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function passageBlock(passages: readonly string[]): string {
  return passages.join('\n');
}

/** Faithfulness: the answer's claims, each marked supported or not by the retrieved passages. */
export function faithfulnessMessages(
  sample: JudgedSample,
  passages: readonly string[],
): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You check whether an answer is supported by the given passages. List every factual claim the answer ' +
        'makes and mark each as supported (the passages state or directly imply it) or not. Reply with one JSON ' +
        'object and nothing else: {"claims": [{"claim": "<text>", "supported": true|false}]}. ' +
        'An answer that makes no claim gets an empty list.',
    },
    {
      role: 'user',
      content: `Passages:\n${passageBlock(passages)}\n\nQuestion:\n${sample.question}\n\nAnswer:\n${sample.answer}`,
    },
  ];
}

/** Context relevance: one verdict per retrieved passage, in order. */
export function contextRelevanceMessages(
  sample: JudgedSample,
  passages: readonly string[],
): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You judge whether each numbered passage is relevant to answering the question (it holds the answer or ' +
        'facts needed for it). Reply with one JSON object and nothing else: {"relevant": [true|false, …]}, one ' +
        'entry per passage, in the order given.',
    },
    {
      role: 'user',
      content: `Question:\n${sample.question}\n\nPassages (${passages.length}):\n${passageBlock(passages)}`,
    },
  ];
}

/** LLM-as-judge: the rubric, a 1..scale score, the reference answer for orientation. */
export function judgeMessages(sample: JudgedSample, rubric: string, scale: number): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        `You grade an answer against a rubric on a scale from 1 (worst) to ${scale} (best). Reply with one JSON ` +
        `object and nothing else: {"score": <integer from 1 to ${scale}>, "reason": "<one sentence>"}.`,
    },
    {
      role: 'user',
      content:
        `Rubric:\n${rubric}\n\nQuestion:\n${sample.question}\n\nReference answer:\n${sample.example.answer}` +
        `\n\nAnswer:\n${sample.answer}`,
    },
  ];
}

/** The JSON object of a reply (a fenced ```json block is accepted), or why there is none. */
function replyObject(reply: string): Record<string, unknown> | string {
  const text = reply.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return 'not a JSON object';
  return value as Record<string, unknown>;
}

export function parseClaims(reply: string): { claim: string; supported: boolean }[] | string {
  const object = replyObject(reply);
  if (typeof object === 'string') return object;
  const { claims } = object;
  if (!Array.isArray(claims)) return '"claims" must be a list';
  const parsed: { claim: string; supported: boolean }[] = [];
  for (const claim of claims) {
    if (claim === null || typeof claim !== 'object') return 'each claim must be an object';
    const { claim: text, supported } = claim as Record<string, unknown>;
    if (typeof supported !== 'boolean') return 'each claim needs "supported": true or false';
    parsed.push({ claim: typeof text === 'string' ? text : '', supported });
  }
  return parsed;
}

export function parseRelevance(reply: string, passages: number): boolean[] | string {
  const object = replyObject(reply);
  if (typeof object === 'string') return object;
  const { relevant } = object;
  if (!Array.isArray(relevant) || !relevant.every((r) => typeof r === 'boolean'))
    return '"relevant" must be a list of true/false';
  if (relevant.length !== passages)
    return `"relevant" has ${relevant.length} entries for ${passages} passages`;
  return relevant as boolean[];
}

export function parseScore(
  reply: string,
  scale: number,
): { score: number; reason: string } | string {
  const object = replyObject(reply);
  if (typeof object === 'string') return object;
  const { score, reason } = object;
  if (typeof score !== 'number' || !Number.isInteger(score) || score < 1 || score > scale)
    return `"score" must be an integer from 1 to ${scale}`;
  return { score, reason: typeof reason === 'string' ? reason : '' };
}

function needPassages(sample: JudgedSample): readonly string[] {
  if (sample.passages === null)
    throw new NotApplicableError(
      'the sample is not retrieval-augmented: it has no retrieved passages',
    );
  if (sample.passages.length === 0)
    throw new NotApplicableError('the retrieval found no passage for this question');
  return sample.passages;
}

/**
 * Faithfulness = supported claims / claims; the sample hallucinated when any claim is unsupported. An
 * answer without claims ("I'm not sure") has no faithfulness: null with that reason.
 */
export async function faithfulness(
  sample: JudgedSample,
  call: JudgeCall,
): Promise<JudgedValue<{ faithfulness: number; hallucinated: boolean; claims: number }>> {
  const passages = needPassages(sample);
  const prompt = faithfulnessMessages(sample, passages);
  const { text } = await call(prompt, {
    method: 'NAIVE',
    question: sample.question,
    grading: { metric: 'FAITHFULNESS', answer: sample.answer, passages: [...passages] },
  });
  const claims = parseClaims(text);
  if (typeof claims === 'string') throw new UnparseableReplyError('FAITHFULNESS', claims, text);
  if (claims.length === 0)
    throw new NotApplicableError('the judge found no claim in the answer to check');
  const supported = claims.filter((c) => c.supported).length;
  return {
    value: {
      faithfulness: round6(supported / claims.length),
      hallucinated: supported < claims.length,
      claims: claims.length,
    },
    prompt,
    reply: text,
  };
}

/** Context relevance = relevant passages / retrieved passages. */
export async function contextRelevance(
  sample: JudgedSample,
  call: JudgeCall,
): Promise<JudgedValue<number>> {
  const passages = needPassages(sample);
  const prompt = contextRelevanceMessages(sample, passages);
  const { text } = await call(prompt, {
    method: 'NAIVE',
    question: sample.question,
    grading: { metric: 'CONTEXT_RELEVANCE', answer: sample.answer, passages: [...passages] },
  });
  const verdicts = parseRelevance(text, passages.length);
  if (typeof verdicts === 'string')
    throw new UnparseableReplyError('CONTEXT_RELEVANCE', verdicts, text);
  return {
    value: round6(verdicts.filter(Boolean).length / verdicts.length),
    prompt,
    reply: text,
  };
}

/** The judge's 1..scale score mapped to 0..1 as (score − 1) / (scale − 1). */
export async function judgeScore(
  sample: JudgedSample,
  judge: { rubric: string; scale: number },
  call: JudgeCall,
): Promise<JudgedValue<{ score: number; raw: number }>> {
  const prompt = judgeMessages(sample, judge.rubric, judge.scale);
  const { text } = await call(prompt, {
    method: 'NAIVE',
    question: sample.question,
    grading: { metric: 'JUDGE', answer: sample.answer, scale: judge.scale },
  });
  const parsed = parseScore(text, judge.scale);
  if (typeof parsed === 'string') throw new UnparseableReplyError('JUDGE', parsed, text);
  return {
    value: { raw: parsed.score, score: round6((parsed.score - 1) / (judge.scale - 1)) },
    prompt,
    reply: text,
  };
}

/** The retrieved passages of a sample's trace as the prompt showed them, or null for a sample without retrieval. */
export function tracePassages(trace: unknown): string[] | null {
  if (trace === null || typeof trace !== 'object') return null;
  const passages = (trace as { passages?: unknown }).passages;
  if (!Array.isArray(passages)) return null;
  return passages.map(
    (p: { rank?: number; title?: string; text?: string }) =>
      `[${p.rank ?? '?'}] ${p.title ?? ''}: ${p.text ?? ''}`,
  );
}
