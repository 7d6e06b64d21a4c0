import type { RagConfig } from '../experiment-config.ts';
import type { KnowledgeBase, RetrievedPassage } from '../retrieval/knowledge-base.ts';
import type { ChatMessage } from '../types.ts';
import { parseNaiveAnswer } from './answer-parsing.ts';
import type { Method } from './method.ts';

/** What a RAG sample stores in `sample_results.trace`. */
export interface RetrievalTrace {
  method: 'RAG';
  retrieval: RagConfig['retrieval'];
  topK: number;
  passages: RetrievedPassage[];
}

const SYSTEM_PROMPT =
  'Answer the question using the numbered context passages. Reply with the answer only: a few words or a number. ' +
  "If the passages do not contain the answer, reply with your best short answer.";

/** Retrieval-augmented generation: the topK knowledge-base passages for the question, then one call. */
export function createRagMethod(config: RagConfig, knowledgeBase: KnowledgeBase): Method {
  return {
    name: 'RAG',
    version: 'rag-v1',
    async solve(example, context) {
      const passages = await context.time('retrieval', () =>
        knowledgeBase.retrieve(example.question, config.topK, config.retrieval),
      );
      const messages = await context.time('prompt_build', () => ragMessages(example.question, passages));
      const { completion } = await context.generate(messages, {
        method: 'RAG',
        question: example.question,
        context: ragContext(passages),
      });
      const parsedAnswer = await context.time('parsing', () => parseNaiveAnswer(completion.text));
      const trace: RetrievalTrace = { method: 'RAG', retrieval: config.retrieval, topK: config.topK, passages };
      return { messages, rawOutput: completion.text, parsedAnswer, trace };
    },
  };
}

/** The numbered passages, as the prompt shows them. */
export function ragContext(passages: readonly RetrievedPassage[]): string {
  return passages.map((passage) => `[${passage.rank}] ${passage.title}: ${passage.text}`).join('\n');
}

export function ragMessages(question: string, passages: readonly RetrievedPassage[]): ChatMessage[] {
  const context = ragContext(passages);
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `Context:\n${context || '(no passage matched the question)'}\n\nQuestion: ${question}\nAnswer:` },
  ];
}
