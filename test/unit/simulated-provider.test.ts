import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Dataset } from '../../server/engine/datasets/dataset.ts';
import { DatasetRegistry } from '../../server/engine/datasets/registry.ts';
import { parseCotAnswer } from '../../server/engine/methods/answer-parsing.ts';
import { createCotMethod } from '../../server/engine/methods/cot.ts';
import type { SingleCallMethod } from '../../server/engine/methods/method.ts';
import { createNaiveMethod } from '../../server/engine/methods/naive.ts';
import { promptMetadata } from '../../scripts/standin/prompt-metadata.ts';
import { SimulatedProvider } from '../../server/engine/providers/simulated.ts';
import type {
  ChatMessage,
  CompletionRequest,
  Example,
  GenerationParams,
} from '../../server/engine/types.ts';

const MODEL = 'meta-llama/Llama-3.2-1B-Instruct';
const PARAMS: GenerationParams = { temperature: 0, maxTokens: 256, topP: 1, seed: 42, stop: [] };

let registry: DatasetRegistry;
let naive: SingleCallMethod;
let cot: SingleCallMethod;
let provider: SimulatedProvider;

beforeAll(async () => {
  registry = await DatasetRegistry.loadBuiltins();
  naive = createNaiveMethod();
  cot = createCotMethod(registry.cotExamples);
  provider = new SimulatedProvider({ latencyMs: 0, jitterMs: 0, oracle: registry });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A request with the metadata the engine would attach, read back from the prompt as the stand-in server does. */
function request(
  messages: readonly ChatMessage[],
  overrides: Partial<CompletionRequest> = {},
): CompletionRequest {
  return {
    model: MODEL,
    messages,
    params: PARAMS,
    metadata: promptMetadata(messages),
    ...overrides,
  };
}

function examplesOf(name: string): Example[] {
  const dataset = registry.get(name) as Dataset;
  return Array.from({ length: dataset.size }, (_, index) => dataset.at(index));
}

function isCorrect(parsed: string, example: Example): boolean {
  const normalize = (text: string): string => text.trim().toLowerCase();
  return [example.answer, ...example.aliases].some(
    (accepted) => normalize(accepted) === normalize(parsed),
  );
}

async function accuracy(
  method: SingleCallMethod,
  examples: readonly Example[],
  model = MODEL,
): Promise<number> {
  let correct = 0;
  for (const example of examples) {
    const { text } = await provider.complete(request(method.buildMessages(example), { model }));
    if (isCorrect(method.parseAnswer(text), example)) correct++;
  }
  return correct / examples.length;
}

describe('determinism', () => {
  it('answers the same request identically', async () => {
    const messages = cot.buildMessages(examplesOf('trivia_qa')[0] as Example);
    const first = await provider.complete(request(messages));
    const second = await provider.complete(request(messages.map((message) => ({ ...message }))));
    expect(second).toEqual(first);
  });

  it('answers differently for some other seed', async () => {
    const messages = cot.buildMessages(examplesOf('math_reasoning')[0] as Example);
    const texts = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      texts.add((await provider.complete(request(messages, { params: { ...PARAMS, seed } }))).text);
    }
    expect(texts.size).toBeGreaterThan(1);
  });

  it('does not depend on the latency settings', async () => {
    const messages = naive.buildMessages(examplesOf('trivia_qa')[5] as Example);
    const expected = await provider.complete(request(messages));
    vi.useFakeTimers();
    const jittery = new SimulatedProvider({ latencyMs: 5, jitterMs: 3, oracle: registry });
    const pending = jittery.complete(request(messages));
    await vi.advanceTimersByTimeAsync(10);
    expect(await pending).toEqual(expected);
  });
});

describe('answer formats', () => {
  it('writes COT reasoning that ends with the answer line and parses back, decimals included', async () => {
    const example = examplesOf('math_reasoning').find((candidate) =>
      /^\$\d+\.\d\d$/.test(candidate.answer),
    );
    expect(example).toBeDefined();
    const messages = cot.buildMessages(example as Example);
    const parsedBySeed: string[] = [];
    for (let seed = 0; seed < 20; seed++) {
      const { text } = await provider.complete(request(messages, { params: { ...PARAMS, seed } }));
      expect(text).toMatch(/\S[\s\S]*\nTherefore, the answer is .+\.$/);
      parsedBySeed.push(parseCotAnswer(text));
    }
    expect(parsedBySeed).toContain(example?.answer);
    // Wrong answers keep the format of the gold answer ("$17.50" → "$19.25").
    for (const parsed of parsedBySeed) expect(parsed).toMatch(/^\$\d+\.\d\d$/);
  });

  it('uses the worked solution in a correct chain of thought', async () => {
    const example = examplesOf('math_reasoning')[0] as Example;
    for (let seed = 0; seed < 20; seed++) {
      const { text } = await provider.complete(
        request(cot.buildMessages(example), { params: { ...PARAMS, seed } }),
      );
      if (parseCotAnswer(text) === example.answer) {
        expect(text).toContain(example.solution);
        return;
      }
    }
    expect.fail('no seed produced a correct chain of thought');
  });

  it('answers NAIVE prompts with the bare answer', async () => {
    const example = examplesOf('trivia_qa')[1] as Example;
    const { text } = await provider.complete(request(naive.buildMessages(example)));
    expect(text).not.toContain('\n');
    expect(text).not.toMatch(/answer is/i);
    expect(text.length).toBeLessThan(60);
  });

  it('answers RAG prompts (with a Context block) with the bare answer', async () => {
    const example = examplesOf('knowledge_base')[0] as Example;
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Answer from the context only.' },
      {
        role: 'user',
        content: `Context:\n[1] Some passage.\n\nQuestion: ${example.question}\nAnswer:`,
      },
    ];
    const { text } = await provider.complete(request(messages, { model: 'some-70B-model' }));
    expect(text).not.toContain('\n');
    expect(text).not.toMatch(/Therefore|Thought:/);
  });

  it('follows the REACT step hints, one action per turn, then answers', async () => {
    const example = examplesOf('react_bench').find(
      (candidate) => (candidate.steps?.length ?? 0) >= 2,
    ) as Example;
    const steps = example.steps ?? [];
    const messages: ChatMessage[] = [
      {
        role: 'system',
        content: 'Use lines "Thought:", "Action: tool(input)" and finish with "Answer:".',
      },
      { role: 'user', content: `Question: ${example.question}` },
    ];
    for (const step of steps) {
      const { text } = await provider.complete(request(messages));
      expect(text).toMatch(/^Thought: .+\nAction: /);
      expect(text.split('\n')[1]).toBe(`Action: ${step.tool}(${step.input})`);
      messages.push(
        { role: 'assistant', content: text },
        { role: 'user', content: 'Observation: 42' },
      );
    }
    const { text } = await provider.complete(request(messages));
    expect(text).toMatch(/^Thought: I now know the answer\.\nAnswer: .+$/);
  });

  it('searches once with the question keywords when there is no hint', async () => {
    const example = examplesOf('trivia_qa')[1] as Example;
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Reply with Thought: and Action: lines.' },
      { role: 'user', content: `Question: ${example.question}` },
    ];
    const { text } = await provider.complete(request(messages));
    expect(text).toMatch(/\nAction: search\([^)]+\)$/);
    expect(text).not.toMatch(/search\([^)]*\b(?:what|the|of|is)\b/i);
  });

  it("says it doesn't know an unknown question", async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Question: What is the colour of the number nine?\nAnswer:' },
    ];
    expect((await provider.complete(request(messages))).text).toBe("I don't know");
  });
});

describe('accuracy profile', () => {
  it('makes COT clearly better than NAIVE on math_reasoning (seed 42)', async () => {
    const math = examplesOf('math_reasoning');
    expect(math.length).toBeGreaterThanOrEqual(40);
    const cotAccuracy = await accuracy(cot, math);
    const naiveAccuracy = await accuracy(naive, math);
    expect(cotAccuracy).toBeGreaterThan(naiveAccuracy + 0.2);
    expect(cotAccuracy).toBeLessThan(1);
  });

  it('gives bigger models more correct answers', async () => {
    const trivia = examplesOf('trivia_qa');
    const small = await accuracy(naive, trivia, 'meta-llama/Llama-3.2-1B-Instruct');
    const large = await accuracy(naive, trivia, 'meta-llama/Llama-3.3-70B-Instruct');
    expect(large).toBeGreaterThan(small);
  });
});

describe('token accounting and limits', () => {
  it('estimates tokens at four characters each', async () => {
    const messages = cot.buildMessages(examplesOf('math_reasoning')[2] as Example);
    const completion = await provider.complete(request(messages));
    const inputChars = messages.reduce((total, message) => total + message.content.length, 0);
    expect(completion.tokensInput).toBe(Math.ceil(inputChars / 4));
    expect(completion.tokensOutput).toBe(Math.ceil(completion.text.length / 4));
    expect(completion.finishReason).toBe('stop');
  });

  it('truncates to maxTokens and reports finishReason "length"', async () => {
    const messages = cot.buildMessages(examplesOf('math_reasoning')[2] as Example);
    const full = await provider.complete(request(messages));
    const cut = await provider.complete(request(messages, { params: { ...PARAMS, maxTokens: 3 } }));
    expect(cut.finishReason).toBe('length');
    expect(cut.text).toBe(full.text.slice(0, 12));
    expect(cut.tokensOutput).toBe(3);
  });

  it('cuts the output at the first stop sequence', async () => {
    const messages = cot.buildMessages(examplesOf('math_reasoning')[2] as Example);
    const full = await provider.complete(request(messages));
    const stopped = await provider.complete(
      request(messages, { params: { ...PARAMS, stop: ['never-appears', '\nTherefore'] } }),
    );
    expect(stopped.text).toBe(full.text.slice(0, full.text.indexOf('\nTherefore')));
    expect(stopped.finishReason).toBe('stop');
  });
});

describe('latency and cancellation', () => {
  it('creates no timer when the latency is 0', async () => {
    vi.useFakeTimers();
    const pending = provider.complete(
      request(naive.buildMessages(examplesOf('sample')[0] as Example)),
    );
    expect(vi.getTimerCount()).toBe(0);
    await expect(pending).resolves.toMatchObject({ finishReason: 'stop' });
  });

  it('waits the configured latency (plus jitter) before answering', async () => {
    vi.useFakeTimers();
    const slow = new SimulatedProvider({ latencyMs: 1000, jitterMs: 100, oracle: registry });
    let done = false;
    const pending = slow
      .complete(request(naive.buildMessages(examplesOf('sample')[0] as Example)))
      .then(() => {
        done = true;
      });
    await vi.advanceTimersByTimeAsync(899);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(202);
    expect(done).toBe(true);
    await pending;
  });

  it('rejects with an AbortError and clears its timer when aborted', async () => {
    vi.useFakeTimers();
    const slow = new SimulatedProvider({ latencyMs: 60_000, jitterMs: 0, oracle: registry });
    const controller = new AbortController();
    const pending = slow.complete(
      request(naive.buildMessages(examplesOf('sample')[0] as Example), {
        signal: controller.signal,
      }),
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled by the user'));
    const pending = provider.complete(
      request(naive.buildMessages(examplesOf('sample')[0] as Example), {
        signal: controller.signal,
      }),
    );
    await expect(pending).rejects.toThrow('cancelled by the user');
  });

  it('refuses a negative latency', () => {
    expect(() => new SimulatedProvider({ latencyMs: -1, jitterMs: 0, oracle: registry })).toThrow(
      RangeError,
    );
  });
});
