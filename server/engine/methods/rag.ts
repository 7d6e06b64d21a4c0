import type { RagConfig } from '../experiment-config.ts';
import type { RetrievedPassage } from '../retrieval/knowledge-base.ts';
import type { Retriever } from '../retrieval/retriever.ts';
import type { ChatMessage } from '../types.ts';
import { parseNaiveAnswer } from './answer-parsing.ts';
import type { Method } from './method.ts';
import { contextBlock, passageLines, retrievalTrace } from './retrieval.ts';

export type { RetrievalTrace } from './retrieval.ts';

const SYSTEM_PROMPT =
  'Answer the question using the numbered context passages. Reply with the answer only: a few words or a number. ' +
  'If the passages do not contain the answer, reply with your best short answer.';

/** Retrieval-augmented generation: the topK knowledge-base passages for the question, then one call (NAIVE with retrieval, by its historical name). */
export function createRagMethod(config: RagConfig, retriever: Retriever): Method {
  return {
    name: 'RAG',
    version: 'rag-v1',
    async solve(example, context) {
      const passages = await retriever.retrieve(
        example.question,
        config.topK,
        config.retrieval,
        context.time,
        context.signal,
      );
      const messages = await context.time('prompt_build', () =>
        ragMessages(example.question, passages),
      );
      const { completion } = await context.generate(messages, {
        method: 'RAG',
        question: example.question,
        context: passageLines(passages),
      });
      const parsedAnswer = await context.time('parsing', () => parseNaiveAnswer(completion.text));
      return {
        messages,
        rawOutput: completion.text,
        parsedAnswer,
        trace: retrievalTrace('RAG', config, passages),
      };
    },
  };
}

export function ragMessages(
  question: string,
  passages: readonly RetrievedPassage[],
): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `${contextBlock(passages)}\n\nQuestion: ${question}\nAnswer:` },
  ];
}
