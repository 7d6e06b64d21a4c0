import type { AgentTool } from '../tools/index.ts';

/** What one agent reply asks for: an action to run, or a final answer (or neither, for an off-format reply). */
export interface AgentReply {
  thought: string;
  action: { tool: string; input: string } | null;
  /** The text after "Answer:", before any cleaning. */
  answer: string | null;
  /** The reply up to the first "Observation:" line a model may have invented; what the conversation keeps. */
  kept: string;
}

/** The system prompt: the step format and the enabled tools (the simulator recognises "Thought:" + "Action:"). */
export function reactSystemPrompt(tools: readonly AgentTool[]): string {
  return [
    'Answer the question by reasoning in steps and calling tools.',
    'Tools:',
    ...tools.map((tool) => `- ${tool.usage}`),
    'Each reply is either one step:',
    'Thought: <what you need to find out next>',
    'Action: <tool>(<input>)',
    'or, once you know the answer:',
    'Thought: I now know the answer.',
    'Answer: <the answer only: a few words or a number>',
    'After each Action you receive "Observation: <the tool result>". Call one tool per reply.',
  ].join('\n');
}

const INVENTED_OBSERVATION = /^[ \t]*Observation\s*:/im;
const ANSWER_LINE = /^[ \t]*(?:final[ \t]+)?answer[ \t]*:[ \t]*(.*)$/im;
const ACTION_LINE = /^[ \t]*Action[ \t]*:[ \t]*(.*)$/im;
const ACTION_INPUT_LINE = /^[ \t]*Action[ \t]+Input[ \t]*:[ \t]*(.*)$/im;
/** "tool(input)", "tool[input]", "tool: input" — the input may itself hold parentheses. */
const ACTION_CALL = /^([A-Za-z_][\w-]*)\s*(?:\((.*)\)|\[(.*)\]|:\s*(.+))\s*$/s;

export function parseAgentReply(text: string): AgentReply {
  const invented = INVENTED_OBSERVATION.exec(text);
  const kept = (invented ? text.slice(0, invented.index) : text).trim();
  const answerMatch = ANSWER_LINE.exec(kept);
  const actionMatch = ACTION_LINE.exec(kept);
  const firstDirective = Math.min(answerMatch?.index ?? Infinity, actionMatch?.index ?? Infinity);
  const thought = thoughtOf(Number.isFinite(firstDirective) ? kept.slice(0, firstDirective) : kept);
  if (answerMatch && (!actionMatch || answerMatch.index < actionMatch.index)) {
    return { thought, action: null, answer: answerText(kept, answerMatch), kept };
  }
  return {
    thought,
    action: actionMatch ? parseAction(actionMatch[1] ?? '', kept) : null,
    answer: null,
    kept,
  };
}

function thoughtOf(text: string): string {
  return text
    .replace(/^[ \t]*Thought[ \t]*:[ \t]*/im, '')
    .trim()
    .replace(/\s+/g, ' ');
}

/** "Answer:" alone on its line puts the answer on the next non-empty line. */
function answerText(text: string, match: RegExpExecArray): string {
  const sameLine = (match[1] ?? '').trim();
  if (sameLine !== '') return sameLine;
  const after = text
    .slice(match.index + match[0].length)
    .split(/\r?\n/)
    .map((line) => line.trim());
  return after.find((line) => line !== '') ?? '';
}

function parseAction(line: string, text: string): { tool: string; input: string } | null {
  const call = ACTION_CALL.exec(line.trim());
  if (call)
    return { tool: call[1]!.toLowerCase(), input: unquote(call[2] ?? call[3] ?? call[4] ?? '') };
  // LangChain style: "Action: search" then "Action Input: Eiffel Tower".
  const name = /^[A-Za-z_][\w-]*$/.exec(line.trim())?.[0];
  const input = ACTION_INPUT_LINE.exec(text)?.[1];
  return name && input !== undefined ? { tool: name.toLowerCase(), input: unquote(input) } : null;
}

function unquote(input: string): string {
  const trimmed = input.trim();
  const quoted = /^(["'`])(.*)\1$/s.exec(trimmed);
  return (quoted ? (quoted[2] ?? '') : trimmed).trim();
}
