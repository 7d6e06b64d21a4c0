import { createHash } from 'node:crypto';
import type { Dataset } from '../datasets/dataset.ts';
import { createPrng, randomIndex, type Prng } from '../datasets/random.ts';
import { conclusion } from '../methods/cot.ts';
import { simulatedMetricReply, simulatedVerdict } from './simulated-judge.ts';
import { simulatedPairs } from './simulated-generator.ts';
import {
  CHARS_PER_TOKEN,
  type ChatMessage,
  type Completion,
  type CompletionRequest,
  type DatasetKind,
  type Example,
  type GenerationParams,
  type Provider,
  type ReasoningMethod,
  type RequestMetadata,
  type ToolStep,
} from '../types.ts';

/** Where the simulator looks up gold answers (the DatasetRegistry in production). */
export interface OracleMatch {
  example: Example;
  dataset?: Pick<Dataset, 'name' | 'size' | 'at'> & Partial<Pick<Dataset, 'kind'>>;
}

export interface SimulatorOracle {
  /** By identity: the example a request is about (never another dataset's example with the same text). */
  findExample?(dataset: string, exampleId: string): OracleMatch | undefined;
  /** By question text, for requests that do not say which example they are about. */
  findByQuestion(question: string): OracleMatch | undefined;
}

export interface SimulatedProviderOptions {
  latencyMs: number;
  jitterMs: number;
  oracle: SimulatorOracle;
}

type DatasetFamily = 'general' | 'math' | 'knowledge' | 'tools' | 'multihop';

/** Chance of a correct answer, by the answer format the prompt asks for and the kind of dataset. */
const CORRECT_PROBABILITY: Readonly<
  Record<ReasoningMethod, Readonly<Record<DatasetFamily, number>>>
> = {
  NAIVE: { general: 0.62, math: 0.35, knowledge: 0.4, tools: 0.45, multihop: 0.4 },
  COT: { general: 0.72, math: 0.78, knowledge: 0.45, tools: 0.58, multihop: 0.6 },
  REACT: { general: 0.7, math: 0.8, knowledge: 0.74, tools: 0.85, multihop: 0.78 },
  RAG: { general: 0.66, math: 0.38, knowledge: 0.88, tools: 0.6, multihop: 0.55 },
};
/** The simulator's behaviour follows the dataset's declared kind, so imported data shows the same contrasts as built-in data. */
const KIND_FAMILY: Readonly<Record<DatasetKind, DatasetFamily>> = {
  GENERAL: 'general',
  MATH: 'math',
  KNOWLEDGE: 'knowledge',
  AGENT: 'tools',
  MULTI_HOP: 'multihop',
};
/** Bigger models do better: bonus by the parameter count in the model name ("8B"), largest first. */
const MODEL_SIZE_BONUS: readonly { minBillions: number; bonus: number }[] = [
  { minBillions: 70, bonus: 0.15 },
  { minBillions: 8, bonus: 0.08 },
  { minBillions: 3, bonus: 0.04 },
];
const MAX_CORRECT_PROBABILITY = 0.97;
const UNKNOWN_ANSWER = "I don't know";
const HEDGE_ANSWER = "I'm not sure";

/**
 * A SIMULATION of an LLM for offline demos, tests and benchmarks — never a model and never a
 * measure of any model's quality. It is an oracle with noise: it takes the question and the method
 * from the request's {@link RequestMetadata} (never from the prompt text), looks up the gold
 * answer, decides with a per-method, per-dataset probability whether to answer correctly, and
 * writes the reply in the method's format (NAIVE, COT, REACT or RAG). A request without metadata
 * is a question it does not know.
 * Everything is deterministic: the same request (seed, model, temperature, messages) always
 * gets the same reply and the same latency.
 */
export class SimulatedProvider implements Provider {
  readonly kind = 'SIMULATED' as const;

  constructor(private readonly options: SimulatedProviderOptions) {
    for (const field of ['latencyMs', 'jitterMs'] as const) {
      const value = options[field];
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`${field} must be >= 0, got ${value}`);
    }
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    throwIfAborted(request.signal);
    const digest = requestDigest(request);
    const text = this.reply(request, createPrng(digest.readUInt32BE(0)));
    const completion = limitOutput(text, request.messages, request.params);
    // A separate stream, so latency settings never change what is answered.
    request.onTheWire?.begin();
    try {
      await wait(this.latencyFor(createPrng(digest.readUInt32BE(4))), request.signal);
    } finally {
      request.onTheWire?.end();
    }
    return completion;
  }

  private reply({ metadata, model, subject }: CompletionRequest, random: Prng): string {
    const shape: ReplyShape = {
      format: metadata?.method ?? 'NAIVE',
      observations: metadata?.observations ?? 0,
    };
    if (metadata?.synthesize) return simulatedPairs(metadata.synthesize);
    const { oracle } = this.options;
    const match =
      (subject && oracle.findExample?.(subject.dataset, subject.exampleId)) ||
      (metadata === undefined ? undefined : oracle.findByQuestion(metadata.question));
    if (metadata?.judge) return simulatedVerdict(metadata.judge, match?.example);
    if (metadata?.grading)
      return simulatedMetricReply(metadata.grading, metadata.question, match?.example);
    if (!match) return formatReply(shape, UNKNOWN_ANSWER, undefined, random);
    const family = KIND_FAMILY[match.dataset?.kind ?? 'GENERAL'];
    const correct =
      random() <
      correctProbability(skills(shape.format, metadata?.context, match.example), family, model);
    const answer = correct ? match.example.answer : wrongAnswer(match, random);
    return formatReply(shape, answer, { example: match.example, correct }, random);
  }

  private latencyFor(random: Prng): number {
    const { latencyMs, jitterMs } = this.options;
    return Math.max(0, latencyMs + (random() * 2 - 1) * jitterMs);
  }
}

/** How the reply is written: in the method's format, and for REACT, how far the agent has got. */
interface ReplyShape {
  format: ReasoningMethod;
  /** Tool results already in the conversation (REACT). */
  observations: number;
}

/** Whether the retrieved context contains the gold answer or an alias, as whole words. */
function contextHoldsAnswer(context: string, example: Example): boolean {
  const words = looseWords(context);
  return [example.answer, ...example.aliases].some(
    (accepted) => looseWords(accepted).trim() !== '' && words.includes(looseWords(accepted)),
  );
}

function looseWords(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()} `;
}

/**
 * What the reply can draw on. A retrieved context is only as good as what it holds: with the answer
 * there the model does at least as well as RAG; without it, a bare RAG prompt knows what NAIVE knows.
 */
function skills(
  format: ReasoningMethod,
  context: string | undefined,
  example: Example,
): ReasoningMethod[] {
  if (context === undefined) return [format];
  if (contextHoldsAnswer(context, example)) return [format, 'RAG'];
  return [format === 'RAG' ? 'NAIVE' : format];
}

function correctProbability(
  skillSet: readonly ReasoningMethod[],
  family: DatasetFamily,
  model: string,
): number {
  const base = Math.max(...skillSet.map((skill) => CORRECT_PROBABILITY[skill][family]));
  return Math.min(MAX_CORRECT_PROBABILITY, base + modelSizeBonus(model));
}

function modelSizeBonus(model: string): number {
  const billions = Number(/(\d+(?:\.\d+)?)B(?![a-z])/i.exec(model)?.[1] ?? 0);
  return MODEL_SIZE_BONUS.find(({ minBillions }) => billions >= minBillions)?.bonus ?? 0;
}

interface KnownQuestion {
  example: Example;
  correct: boolean;
}

function formatReply(
  shape: ReplyShape,
  answer: string,
  known: KnownQuestion | undefined,
  random: Prng,
): string {
  switch (shape.format) {
    case 'COT':
      return `${reasoningSentences(answer, known, random).join(' ')}\n${conclusion(answer)}`;
    case 'REACT':
      return reactTurn(shape, answer, known?.example, random);
    case 'NAIVE':
    case 'RAG':
      return answer;
  }
}

function reactTurn(
  shape: ReplyShape,
  answer: string,
  example: Example | undefined,
  random: Prng,
): string {
  const plan = example
    ? (example.steps ?? [{ tool: 'search', input: keywords(example.question) }])
    : [];
  const next = plan[shape.observations];
  if (next)
    return `Thought: ${pick(random, STEP_THOUGHTS[next.tool])(next.input)}\nAction: ${next.tool}(${next.input})`;
  const thought = example ? 'I now know the answer.' : 'I cannot find out the answer.';
  return `Thought: ${thought}\nAnswer: ${answer}`;
}

const STEP_THOUGHTS: Readonly<Record<ToolStep['tool'], readonly ((input: string) => string)[]>> = {
  search: [(input) => `I need to look up ${input}.`, (input) => `I should search for ${input}.`],
  calculator: [
    (input) => `I need to calculate ${input}.`,
    (input) => `Let me compute ${input} with the calculator.`,
  ],
};

const STOPWORDS = new Set(
  'a an the of in on at to for by with from and or is are was were be been what which who whom whose when where why how did does do this that these those it its as'.split(
    ' ',
  ),
);

function keywords(question: string): string {
  const words = question.replace(/[^\p{L}\p{N}\s'-]/gu, ' ').split(/\s+/);
  return words
    .filter((word) => word !== '' && !STOPWORDS.has(word.toLowerCase()))
    .slice(0, 8)
    .join(' ');
}

const GENERIC_OPENINGS = [
  'First, pin down exactly what the question asks for.',
  'Let me recall what I know that is relevant here.',
  'The key is to identify the specific fact the question refers to.',
];
const GENERIC_MIDDLES = [
  'Checking each detail of the question narrows it down to one candidate.',
  'Putting the relevant facts together points to a single candidate.',
  'Only one candidate fits every part of the question.',
];

/** 2–4 sentences of believable reasoning that lead to `answer` (a worked solution when there is one). */
function reasoningSentences(
  answer: string,
  known: KnownQuestion | undefined,
  random: Prng,
): string[] {
  if (!known || answer === HEDGE_ANSWER) {
    return [pick(random, GENERIC_OPENINGS), 'I cannot pin down the fact with confidence.'];
  }
  const { example, correct } = known;
  const solution = example.solution
    ? splitSentences(slipped(example.solution, example.answer, answer))
    : [];
  if (solution.length > 0 && (correct || example.solution?.includes(example.answer))) {
    const kept = solution.length > 4 ? [...solution.slice(0, 3), ...solution.slice(-1)] : solution;
    return kept.length >= 2 ? kept : [pick(random, GENERIC_OPENINGS), ...kept];
  }
  return [
    pick(random, GENERIC_OPENINGS),
    pick(random, GENERIC_MIDDLES),
    `That leads to ${answer}.`,
  ];
}

/** A wrong chain of thought is the worked solution with a slip: its last result becomes the wrong answer. */
function slipped(solution: string, gold: string, answer: string): string {
  const at = solution.lastIndexOf(gold);
  return answer === gold || at < 0
    ? solution
    : solution.slice(0, at) + answer + solution.slice(at + gold.length);
}

function splitSentences(text: string): string[] {
  return text
    .trim()
    .split(/(?<=[.!?])\s+(?=[A-Z0-9$])/)
    .filter((sentence) => sentence !== '');
}

function wrongAnswer(match: OracleMatch, random: Prng): string {
  const gold = match.example.answer;
  const perturbed = perturbNumber(gold, random);
  if (perturbed !== undefined) return perturbed;
  if (random() < 0.8) return distractor(match, random) ?? HEDGE_ANSWER;
  return HEDGE_ANSWER;
}

const NUMBERS = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g;

/**
 * Replaces the last number of a numeric answer with a nearby one in the same format
 * ("$17.50" → "$19.25", "15 August 1914" → "15 August 1917").
 */
function perturbNumber(gold: string, random: Prng): string | undefined {
  const found = [...gold.matchAll(NUMBERS)].pop();
  if (!found) return undefined;
  const digits = found[0];
  const decimals = digits.split('.')[1]?.length ?? 0;
  const value = Number(digits.replaceAll(',', ''));
  const step = decimals === 2 ? 0.25 : 10 ** -decimals;
  const looksLikeYear = decimals === 0 && value >= 1000 && value <= 2100 && !digits.includes(',');
  const spread = looksLikeYear ? 1 + randomIndex(random, 12) : value * (0.1 + 0.4 * random());
  const delta = Math.max(step, Math.round(spread / step) * step);
  const direction = random() < 0.5 && value - delta >= 0 ? -1 : 1;
  const replacement = formatNumber(value + direction * delta, decimals, digits.includes(','));
  return gold.slice(0, found.index) + replacement + gold.slice(found.index + digits.length);
}

function formatNumber(value: number, decimals: number, grouped: boolean): string {
  const [whole = '', fraction] = value.toFixed(decimals).split('.');
  const wholeText = grouped ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : whole;
  return fraction === undefined ? wholeText : `${wholeText}.${fraction}`;
}

/** The answer of another example of the same dataset: wrong, but the kind of thing a model says. */
function distractor(match: OracleMatch, random: Prng): string | undefined {
  const { dataset, example } = match;
  if (!dataset || dataset.size < 2) return undefined;
  const accepted = new Set(
    [example.answer, ...example.aliases].map((text) => text.trim().toLowerCase()),
  );
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = dataset.at(randomIndex(random, dataset.size)).answer;
    if (!accepted.has(candidate.trim().toLowerCase())) return candidate;
  }
  return undefined;
}

/** Applies stop sequences, then the token budget, and counts tokens (≈ 4 characters each). */
function limitOutput(
  text: string,
  messages: readonly ChatMessage[],
  params: GenerationParams,
): Completion {
  const stopped = cutAtStop(text, params.stop);
  const budget = params.maxTokens * CHARS_PER_TOKEN;
  const truncated = stopped.length > budget;
  const output = truncated ? stopped.slice(0, budget) : stopped;
  const inputChars = messages.reduce((total, message) => total + message.content.length, 0);
  return {
    text: output,
    tokensInput: Math.ceil(inputChars / CHARS_PER_TOKEN),
    tokensOutput: Math.ceil(output.length / CHARS_PER_TOKEN),
    finishReason: truncated ? 'length' : 'stop',
  };
}

function cutAtStop(text: string, stops: readonly string[]): string {
  const positions = stops.filter((stop) => stop !== '').map((stop) => text.indexOf(stop));
  const first = Math.min(...positions.filter((position) => position >= 0));
  return Number.isFinite(first) ? text.slice(0, first) : text;
}

function requestDigest({ model, messages, params }: CompletionRequest): Buffer {
  const identity = [
    params.seed,
    model,
    params.temperature,
    messages.map(({ role, content }) => [role, content]),
  ];
  return createHash('sha256').update(JSON.stringify(identity)).digest();
}

/** Resolves after `ms`; with 0 ms no timer is created, so simulated runs go as fast as the engine. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function pick<T>(random: Prng, items: readonly T[]): T {
  return items[randomIndex(random, items.length)] as T;
}
