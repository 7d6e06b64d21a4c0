import type { AgentConfig } from '../experiment-config.ts';
import { round } from '../profiler.ts';
import type { KnowledgeBase } from '../retrieval/knowledge-base.ts';
import { createTools, ToolError, type AgentTool } from '../tools/index.ts';
import type { ChatMessage, Example } from '../types.ts';
import { parseNaiveAnswer } from './answer-parsing.ts';
import type { AgentStepReport, Method, MethodContext, MethodResult } from './method.ts';
import { parseAgentReply, reactSystemPrompt, type AgentReply } from './react-format.ts';

/**
 * Why the agent stopped: it answered; it ran out of iterations; it asked for the same action a
 * third time; or its reply had neither an action nor an answer (then the reply itself is the answer).
 */
export type AgentStopReason = 'answer' | 'max_iterations' | 'loop' | 'no_action';

/** One model turn of the agent, with the tool call it asked for (as reported live, plus the tool's time). */
export interface AgentStep extends AgentStepReport {
  toolMs: number | null;
}

/** What a REACT sample stores in `sample_results.trace`. */
export interface AgentTrace {
  method: 'REACT';
  stopReason: AgentStopReason;
  iterations: number;
  toolCalls: number;
  steps: AgentStep[];
}

/** An identical action asked for this many times ends the run: the agent is going round in circles. */
export const LOOP_REPEATS = 3;
const MAX_OBSERVATION_CHARS = 2000;

/** The ReAct agent loop: Thought, Action tool(input), Observation… until an Answer. */
export function createReactMethod(config: AgentConfig, knowledgeBase: KnowledgeBase): Method {
  const tools = createTools(config.tools, knowledgeBase);
  const systemPrompt = reactSystemPrompt(tools);
  return {
    name: 'REACT',
    version: 'react-v1',
    solve: (example, context) =>
      new AgentRun(config.maxIterations, tools, context).solve(example, systemPrompt),
  };
}

class AgentRun {
  private readonly steps: AgentStep[] = [];
  private readonly actionCounts = new Map<string, number>();

  constructor(
    private readonly maxIterations: number,
    private readonly tools: readonly AgentTool[],
    private readonly context: MethodContext,
  ) {}

  async solve(example: Example, systemPrompt: string): Promise<MethodResult> {
    const messages = await this.context.time('prompt_build', (): ChatMessage[] => [
      { role: 'system', content: systemPrompt },
      { role: 'user', content: `Question: ${example.question}` },
    ]);
    const conversation = [...messages];
    let lastReply = '';
    for (let iteration = 1; iteration <= this.maxIterations; iteration++) {
      const started = performance.now();
      const { completion, cacheTier } = await this.context.generate([...conversation], {
        method: 'REACT',
        question: example.question,
        // Each earlier iteration that went on added one observation.
        observations: iteration - 1,
      });
      lastReply = completion.text;
      const reply = await this.context.time('parsing', () => parseAgentReply(completion.text));
      const step: AgentStep = {
        iteration,
        thought: reply.thought,
        action: reply.action?.tool ?? null,
        input: reply.action?.input ?? null,
        observation: null,
        toolError: false,
        answer: null,
        cached: cacheTier !== null,
        ms: 0,
        toolMs: null,
      };
      this.steps.push(step);
      const stop = this.stopReason(reply, iteration);
      if (stop) {
        step.answer = stop.answer;
        this.finishStep(step, started);
        return this.result(messages, lastReply, stop.reason, stop.answer);
      }
      await this.runTool(step, reply.action as NonNullable<AgentReply['action']>);
      this.finishStep(step, started);
      conversation.push(
        { role: 'assistant', content: reply.kept },
        { role: 'user', content: `Observation: ${step.observation}` },
      );
    }
    return this.result(messages, lastReply, 'max_iterations', '');
  }

  private finishStep(step: AgentStep, started: number): void {
    step.ms = performance.now() - started;
    const { toolMs: _toolMs, ...report } = step;
    this.context.reportStep({ ...report, ms: round(step.ms) });
  }

  /** Null while the agent should go on with its action. */
  private stopReason(
    reply: AgentReply,
    iteration: number,
  ): { reason: AgentStopReason; answer: string } | null {
    if (reply.answer !== null) return { reason: 'answer', answer: parseNaiveAnswer(reply.answer) };
    if (!reply.action) return { reason: 'no_action', answer: parseNaiveAnswer(reply.kept) };
    const key = `${reply.action.tool}\u0000${reply.action.input.toLowerCase().replace(/\s+/g, ' ')}`;
    const count = (this.actionCounts.get(key) ?? 0) + 1;
    this.actionCounts.set(key, count);
    if (count >= LOOP_REPEATS) return { reason: 'loop', answer: '' };
    // An action on the last iteration would produce an observation nobody reads.
    if (iteration === this.maxIterations) return { reason: 'max_iterations', answer: '' };
    return null;
  }

  private async runTool(step: AgentStep, action: { tool: string; input: string }): Promise<void> {
    const tool = this.tools.find((candidate) => candidate.name === action.tool);
    const started = performance.now();
    try {
      if (!tool) {
        throw new ToolError(
          `unknown tool "${action.tool}"; available: ${this.tools.map((t) => t.name).join(', ')}`,
        );
      }
      step.observation = oneLine(await this.context.time('tool', () => tool.run(action.input)));
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      step.toolError = true;
      step.observation = `Error: ${oneLine(error.message)}`;
    }
    step.toolMs = performance.now() - started;
  }

  private result(
    messages: ChatMessage[],
    rawOutput: string,
    stopReason: AgentStopReason,
    answer: string,
  ): MethodResult {
    const steps = this.steps.map((step) => ({
      ...step,
      ms: round(step.ms),
      toolMs: step.toolMs === null ? null : round(step.toolMs),
    }));
    const trace: AgentTrace = {
      method: 'REACT',
      stopReason,
      iterations: steps.length,
      toolCalls: steps.filter((step) => step.observation !== null).length,
      steps,
    };
    return { messages, rawOutput, parsedAnswer: answer, trace };
  }
}

/** Observations are one line, so a tool can never inject an "Observation:" or "Answer:" line of its own. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_OBSERVATION_CHARS ? `${flat.slice(0, MAX_OBSERVATION_CHARS)}…` : flat;
}
