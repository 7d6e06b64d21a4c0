import type { ChatMessage, Example, ReasoningMethod } from '../types.ts';

/** How one reasoning method talks to a model: the prompt it sends and how it reads the reply. */
export interface Method {
  readonly name: ReasoningMethod;
  /** Part of every cache key: bump it whenever the prompt or the parser changes. */
  readonly version: string;
  buildMessages(example: Example): ChatMessage[];
  parseAnswer(text: string): string;
}
