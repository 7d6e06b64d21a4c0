import type { Method, MethodContext } from '../methods/method.ts';
import type { ChatMessage, Example, RequestMetadata } from '../types.ts';
import { renderTemplate } from './template.ts';

/** A stored prompt version an experiment runs with (resolved when the experiment is created). */
export interface PromptSelection {
  name: string;
  version: number;
  template: string;
}

/**
 * The method with its instruction text (the system message) replaced by the rendered template. The
 * method still builds its user turns, parses, retrieves and acts exactly as before. REACT keeps its
 * tool list and reply format after the template, since without them the agent could not act.
 */
export function withPrompt(method: Method, prompt: PromptSelection): Method {
  const keepInstructions = method.name === 'REACT';
  const instructions = (original: string, example: Example, metadata: RequestMetadata) => {
    const rendered = renderTemplate(prompt.template, {
      question: example.question,
      context: metadata.context,
      metadata: example.metadata,
    });
    return keepInstructions ? `${rendered}\n\n${original}` : rendered;
  };
  const rewrite = (
    messages: ChatMessage[],
    example: Example,
    metadata: RequestMetadata,
  ): ChatMessage[] => {
    const first = messages[0];
    const rest = messages.slice(1);
    if (first?.role === 'system')
      return [{ role: 'system', content: instructions(first.content, example, metadata) }, ...rest];
    return [
      { role: 'system', content: instructions('', example, metadata).trimEnd() },
      ...messages,
    ];
  };
  return {
    name: method.name,
    // The rendered messages are part of every cache key already; the version names the prompt for people.
    version: `${method.version}+prompt:${prompt.name}@${prompt.version}`,
    async solve(example, context) {
      let firstMetadata: RequestMetadata | null = null;
      const prompted: MethodContext = {
        signal: context.signal,
        time: (phase, work) => context.time(phase, work),
        reportStep: (step) => context.reportStep(step),
        generate: (messages, metadata) => {
          firstMetadata ??= metadata;
          return context.generate(rewrite(messages, example, metadata), metadata);
        },
      };
      const result = await method.solve(example, prompted);
      const metadata = firstMetadata ?? { method: method.name, question: example.question };
      return { ...result, messages: rewrite(result.messages, example, metadata) };
    },
  };
}
