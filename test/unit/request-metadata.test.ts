import { beforeAll, describe, expect, it } from 'vitest';
import { promptMetadata } from '../../scripts/standin/prompt-metadata.ts';
import type { Dataset } from '../../server/engine/datasets/dataset.ts';
import { DatasetRegistry } from '../../server/engine/datasets/registry.ts';
import { parseCotAnswer } from '../../server/engine/methods/answer-parsing.ts';
import { createCotMethod } from '../../server/engine/methods/cot.ts';
import type { Method, MethodContext } from '../../server/engine/methods/method.ts';
import { createNaiveMethod } from '../../server/engine/methods/naive.ts';
import { createRagMethod } from '../../server/engine/methods/rag.ts';
import { createReactMethod } from '../../server/engine/methods/react.ts';
import { withRetrieval } from '../../server/engine/methods/retrieval.ts';
import { SimulatedProvider } from '../../server/engine/providers/simulated.ts';
import { KnowledgeBase } from '../../server/engine/retrieval/knowledge-base.ts';
import type { ChatMessage, Example, RequestMetadata } from '../../server/engine/types.ts';
import { Retriever } from '../../server/engine/retrieval/retriever.ts';

const PARAMS = { temperature: 0, maxTokens: 256, topP: 1, seed: 42, stop: [] };
const MODEL = 'meta-llama/Llama-3.2-1B-Instruct';

let registry: DatasetRegistry;
let simulator: SimulatedProvider;
beforeAll(async () => {
  registry = await DatasetRegistry.loadBuiltins();
  simulator = new SimulatedProvider({ latencyMs: 0, jitterMs: 0, oracle: registry });
});

function firstExample(dataset: string): Example {
  return (registry.get(dataset) as Dataset).at(0);
}

/** Runs a method against scripted replies and records every call it makes: messages and metadata. */
async function callsOf(method: Method, example: Example, replies: string[]) {
  const calls: { messages: ChatMessage[]; metadata: RequestMetadata }[] = [];
  const context: MethodContext = {
    signal: new AbortController().signal,
    reportStep: () => undefined,
    time: async (_phase, work) => work(),
    async generate(messages, metadata) {
      calls.push({ messages: [...messages], metadata });
      const text = replies[calls.length - 1] ?? '';
      return {
        completion: { text, tokensInput: 1, tokensOutput: 1, finishReason: 'stop' },
        cacheTier: null,
      };
    },
  };
  await method.solve(example, context);
  return calls;
}

describe('the request metadata a method sends', () => {
  it('should state the method and the question for NAIVE and COT', async () => {
    const example = firstExample('trivia_qa');
    const naive = await callsOf(createNaiveMethod(), example, ['x']);
    const cot = await callsOf(createCotMethod(registry.cotExamples), example, ['x']);
    expect(naive.map((call) => call.metadata)).toEqual([
      { method: 'NAIVE', question: example.question },
    ]);
    expect(cot.map((call) => call.metadata)).toEqual([
      { method: 'COT', question: example.question },
    ]);
  });

  it('should give RAG the retrieved passages as context, exactly as the prompt shows them', async () => {
    const example = firstExample('knowledge_base');
    const rag = createRagMethod(
      { retrieval: 'BM25', topK: 3, knowledgeBase: 'builtin' },
      bm25Retriever(),
    );
    const [call] = await callsOf(rag, example, ['x']);
    expect(call?.metadata.method).toBe('RAG');
    expect(call?.metadata.question).toBe(example.question);
    expect(call?.metadata.context?.split('\n')).toHaveLength(3);
    expect(call?.messages.at(-1)?.content).toContain(
      `Context:\n${call?.metadata.context}\n\nQuestion:`,
    );
  });

  it('should give NAIVE with retrieval its own format and the passages as context', async () => {
    const example = firstExample('knowledge_base');
    const naive = withRetrieval(
      createNaiveMethod(),
      { retrieval: 'BM25', topK: 2, knowledgeBase: 'builtin' },
      bm25Retriever(),
    );
    const [call] = await callsOf(naive, example, ['x']);
    expect(call?.metadata.method).toBe('NAIVE');
    expect(call?.metadata.context?.split('\n')).toHaveLength(2);
    expect(call?.messages.at(-1)?.content).toContain(
      `Context:\n${call?.metadata.context}\n\nQuestion:`,
    );
  });

  it('should count the REACT observations already in the conversation', async () => {
    const example = firstExample('react_bench');
    const react = createReactMethod(
      { maxIterations: 5, tools: ['calculator', 'search'] },
      new KnowledgeBase(registry.articles),
    );
    const calls = await callsOf(react, example, [
      'Thought: compute.\nAction: calculator(2 + 2)',
      'Thought: done.\nAnswer: 4',
    ]);
    expect(calls.map((call) => call.metadata)).toEqual([
      { method: 'REACT', question: example.question, observations: 0 },
      { method: 'REACT', question: example.question, observations: 1 },
    ]);
  });

  it('should be what the stand-in server reads back from the same prompts', async () => {
    const trivia = firstExample('trivia_qa');
    const knowledge = firstExample('knowledge_base');
    const reactExample = firstExample('react_bench');
    const calls = [
      ...(await callsOf(createNaiveMethod(), trivia, ['x'])),
      ...(await callsOf(createCotMethod(registry.cotExamples), trivia, ['x'])),
      ...(await callsOf(
        createRagMethod({ retrieval: 'BM25', topK: 3, knowledgeBase: 'builtin' }, bm25Retriever()),
        knowledge,
        ['x'],
      )),
      ...(await callsOf(
        createReactMethod(
          { maxIterations: 5, tools: ['calculator'] },
          new KnowledgeBase(registry.articles),
        ),
        reactExample,
        ['Thought: compute.\nAction: calculator(2 + 2)', 'Thought: done.\nAnswer: 4'],
      )),
    ];
    expect(calls).toHaveLength(5);
    for (const call of calls) expect(promptMetadata(call.messages)).toEqual(call.metadata);
  });
});

describe('the simulated provider', () => {
  it('should answer from the metadata, never from the prompt text', async () => {
    const example = firstExample('trivia_qa');
    const messages = createNaiveMethod().buildMessages(example);
    const withoutMetadata = await simulator.complete({ model: MODEL, messages, params: PARAMS });
    expect(withoutMetadata.text).toBe("I don't know");
    // A plain NAIVE prompt, but the metadata asks for COT: the reply is written as a chain of thought.
    const asCot = await simulator.complete({
      model: MODEL,
      messages,
      params: PARAMS,
      metadata: { method: 'COT', question: example.question },
    });
    expect(asCot.text.split('\n').length).toBeGreaterThan(1);
    expect(parseCotAnswer(asCot.text)).not.toBe('');
    // Text that names no question at all is answered about the question the metadata names.
    const bare = await simulator.complete({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello' }],
      params: PARAMS,
      metadata: { method: 'NAIVE', question: example.question },
    });
    expect(bare.text).not.toBe("I don't know");
  });
});

function bm25Retriever(): Retriever {
  return new Retriever({
    knowledgeBase: new KnowledgeBase(registry.articles),
    contentHash: 'builtin',
    embedder: null,
    vectors: null,
    reranker: null,
  });
}
