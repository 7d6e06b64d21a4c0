import type { RagConfig } from '../experiment-config.ts';
import type { RetrievedPassage } from '../retrieval/knowledge-base.ts';
import type { Retriever } from '../retrieval/retriever.ts';
import type { ChatMessage, ReasoningMethod } from '../types.ts';
import type { Method, SingleCallMethod } from './method.ts';

/** What a retrieval-augmented sample stores in `sample_results.trace`. */
export interface RetrievalTrace {
  method: ReasoningMethod;
  knowledgeBase: string;
  retrieval: RagConfig['retrieval'];
  topK: number;
  /** The embedding model and reranker used, as `<endpoint>:<model>`; null where the method needs none. */
  embeddingModel: string | null;
  reranker: string | null;
  passages: RetrievedPassage[];
}

const CONTEXT_INSTRUCTION =
  'Numbered context passages come before the question; use them where they help.';

/**
 * Retrieval as an option of a single-call method (NAIVE, COT): the topK passages for the question
 * go in a "Context:" block before the method's own prompt; the method's parser reads the reply.
 */
export function withRetrieval(
  method: SingleCallMethod,
  config: RagConfig,
  retriever: Retriever,
): Method {
  return {
    name: method.name,
    version: `${method.version}+retrieval-v1`,
    async solve(example, context) {
      const passages = await retriever.retrieve(
        example.question,
        config.topK,
        config.retrieval,
        context.time,
        context.signal,
      );
      const messages = await context.time('prompt_build', () =>
        withContext(method.buildMessages(example), passages),
      );
      const { completion } = await context.generate(messages, {
        method: method.name,
        question: example.question,
        context: passageLines(passages),
      });
      const parsedAnswer = await context.time('parsing', () => method.parseAnswer(completion.text));
      return {
        messages,
        rawOutput: completion.text,
        parsedAnswer,
        trace: retrievalTrace(method.name, config, passages),
      };
    },
  };
}

export function retrievalTrace(
  method: ReasoningMethod,
  config: RagConfig,
  passages: RetrievedPassage[],
): RetrievalTrace {
  const named = (model: RagConfig['embedding']) =>
    model ? `${model.provider.kind}:${model.model}` : null;
  return {
    method,
    knowledgeBase: config.knowledgeBase,
    retrieval: config.retrieval,
    topK: config.topK,
    embeddingModel: named(config.embedding),
    reranker: named(config.reranker),
    passages,
  };
}

/** The numbered passages, as the prompt shows them. */
export function passageLines(passages: readonly RetrievedPassage[]): string {
  return passages
    .map((passage) => `[${passage.rank}] ${passage.title}: ${passage.text}`)
    .join('\n');
}

/** The passages as the "Context:" block every retrieval-augmented prompt starts with. */
export function contextBlock(passages: readonly RetrievedPassage[]): string {
  return `Context:\n${passageLines(passages) || '(no passage matched the question)'}`;
}

function withContext(
  messages: ChatMessage[],
  passages: readonly RetrievedPassage[],
): ChatMessage[] {
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  return messages.map((message, index) => {
    if (message.role === 'system')
      return { ...message, content: `${message.content} ${CONTEXT_INSTRUCTION}` };
    if (index === lastUser)
      return { ...message, content: `${contextBlock(passages)}\n\n${message.content}` };
    return message;
  });
}
