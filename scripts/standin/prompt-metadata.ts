import type { ChatMessage, ReasoningMethod, RequestMetadata } from '../../server/engine/types.ts';

/**
 * The stand-in server receives plain OpenAI chat requests, so it must recover from the text what
 * LlmForge's engine states outright in `RequestMetadata`: the question (the text after the last
 * "Question:" of the last user message that has one), the method's format, the RAG context and how
 * many REACT observations the conversation holds. It reads the prompts of LlmForge's own methods;
 * any other prompt is a question the simulator does not know.
 */
export function promptMetadata(messages: readonly ChatMessage[]): RequestMetadata | undefined {
  const generation = generationMetadata(messages);
  if (generation) return generation;
  const questionAt = messages.findLastIndex(
    (m) => m.role === 'user' && m.content.includes('Question:'),
  );
  if (questionAt < 0) return undefined;
  const questionMessage = messages[questionAt]?.content ?? '';
  const marker = questionMessage.lastIndexOf('Question:');
  const afterMarker = questionMessage.slice(marker + 'Question:'.length);
  const question = (afterMarker.split('\n')[0] ?? '').trim();
  if (question === '') return undefined;
  const rest = [afterMarker, ...messages.slice(questionAt + 1).map((m) => m.content)].join('\n');
  const everything = messages.map((m) => m.content).join('\n');
  const method = detectMethod(everything, questionMessage);
  const hasContext = /^\s*Context:/m.test(everything);
  return {
    method,
    question,
    ...(hasContext ? { context: ragContext(questionMessage.slice(0, marker)) } : {}),
    ...(method === 'REACT' ? { observations: rest.match(/^\s*Observation:/gm)?.length ?? 0 } : {}),
  };
}

const COT_TRIGGER = "Let's think step by step.";

function detectMethod(everything: string, questionMessage: string): ReasoningMethod {
  if (everything.includes('Thought:') && everything.includes('Action:')) return 'REACT';
  if (questionMessage.trimEnd().endsWith(COT_TRIGGER)) return 'COT';
  // NAIVE with retrieval reads as RAG: both reply with the answer only, and the simulator judges both by their context.
  if (/^\s*Context:/m.test(everything)) return 'RAG';
  return 'NAIVE';
}

/** The passages between "Context:" and the question. */
function ragContext(beforeQuestion: string): string {
  const start = beforeQuestion.search(/^\s*Context:/m);
  return (
    start < 0 ? beforeQuestion : beforeQuestion.slice(start).replace(/^\s*Context:/, '')
  ).trim();
}

const GENERATION_REQUEST = /Write (\d+) question-answer pairs grounded in the passage below\./;

/** generateDataset's prompt: how many pairs, the title and the passage between the triple quotes. */
function generationMetadata(messages: readonly ChatMessage[]): RequestMetadata | undefined {
  const prompt = messages.findLast((m) => m.role === 'user' && GENERATION_REQUEST.test(m.content));
  if (!prompt) return undefined;
  const count = Number(GENERATION_REQUEST.exec(prompt.content)?.[1]);
  const title = /^Title: (.*)$/m.exec(prompt.content)?.[1] ?? '';
  const passage = /^Passage:\n"""\n([\s\S]*)\n"""\s*$/m.exec(prompt.content)?.[1] ?? '';
  return { method: 'NAIVE', question: '', synthesize: { title, passage, count } };
}
