import type { AgentTool as AgentToolName } from '../experiment-config.ts';
import type { KnowledgeBase } from '../retrieval/knowledge-base.ts';
import { evaluateExpression, formatCalculatorResult } from './calculator.ts';

/** A tool the REACT agent can call: text in, text out. Expected failures throw a {@link ToolError}. */
export interface AgentTool {
  readonly name: AgentToolName;
  /** One line for the system prompt: signature, what it does, an example. */
  readonly usage: string;
  run(input: string): string;
}

/** A tool refused its input; the message becomes the agent's observation. */
export class ToolError extends Error {
  override name = 'ToolError';
}

/** Articles the search tool names besides the one it returns in full. */
const SEARCH_ALSO_LISTED = 2;

export function createTools(
  names: readonly AgentToolName[],
  knowledgeBase: KnowledgeBase,
): AgentTool[] {
  return names.map((name) =>
    name === 'calculator' ? calculatorTool() : searchTool(knowledgeBase),
  );
}

function calculatorTool(): AgentTool {
  return {
    name: 'calculator',
    usage:
      'calculator(expression): exact arithmetic with + - * / ^ (power), % (percent, or remainder between two numbers) and parentheses, e.g. calculator((1250 - 375) / 7)',
    run(input) {
      try {
        return formatCalculatorResult(evaluateExpression(input));
      } catch (error) {
        throw new ToolError((error as Error).message);
      }
    },
  };
}

function searchTool(knowledgeBase: KnowledgeBase): AgentTool {
  return {
    name: 'search',
    usage:
      'search(query): the knowledge-base article that best matches the query, e.g. search(Eiffel Tower)',
    run(input) {
      if (input.trim() === '') throw new ToolError('the search query is empty');
      const [best, ...others] = knowledgeBase.searchArticles(input, 1 + SEARCH_ALSO_LISTED);
      if (!best) return `No article matches "${input}".`;
      const also =
        others.length === 0
          ? ''
          : ` (Other matches: ${others.map((hit) => hit.article.title).join('; ')}.)`;
      return `[${best.article.title}] ${best.article.text}${also}`;
    },
  };
}
