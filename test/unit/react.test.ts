import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../server/engine/experiment-config.ts';
import { DatasetRegistry } from '../../server/engine/datasets/registry.ts';
import type { AgentStepReport, MethodContext } from '../../server/engine/methods/method.ts';
import { createReactMethod, type AgentTrace } from '../../server/engine/methods/react.ts';
import { parseAgentReply } from '../../server/engine/methods/react-format.ts';
import { KnowledgeBase } from '../../server/engine/retrieval/knowledge-base.ts';
import type { ChatMessage, Example, ProfilePhase } from '../../server/engine/types.ts';

let knowledgeBase: KnowledgeBase;
beforeAll(async () => {
  knowledgeBase = new KnowledgeBase((await DatasetRegistry.loadBuiltins()).articles);
});

const EXAMPLE: Example = {
  id: 'x1',
  question: 'How many years passed between 1889 and 1937?',
  answer: '48',
  aliases: [],
};

/** A model that replies from a script, and a context that records what the agent sent and timed. */
function scripted(replies: string[]) {
  const sent: ChatMessage[][] = [];
  const phases: ProfilePhase[] = [];
  const reported: AgentStepReport[] = [];
  const context: MethodContext = {
    signal: new AbortController().signal,
    reportStep: (step) => reported.push(step),
    async time(phase, work) {
      phases.push(phase);
      return work();
    },
    async generate(messages) {
      sent.push(messages);
      const text = replies[sent.length - 1];
      if (text === undefined) throw new Error('the script ran out of replies');
      return {
        completion: { text, tokensInput: 1, tokensOutput: 1, finishReason: 'stop' },
        cacheTier: sent.length === 1 ? 'memory' : null,
      };
    },
  };
  return { context, sent, phases, reported };
}

async function solve(
  replies: string[],
  config: AgentConfig = { maxIterations: 5, tools: ['calculator', 'search'] },
) {
  const run = scripted(replies);
  const result = await createReactMethod(config, knowledgeBase).solve(EXAMPLE, run.context);
  return { ...run, result, trace: result.trace as AgentTrace };
}

describe('parseAgentReply', () => {
  it('should read a thought and an action whose input holds parentheses', () => {
    expect(
      parseAgentReply('Thought: I need to compute it.\nAction: calculator((1250 - 375) / 7)'),
    ).toEqual({
      thought: 'I need to compute it.',
      action: { tool: 'calculator', input: '(1250 - 375) / 7' },
      answer: null,
      kept: 'Thought: I need to compute it.\nAction: calculator((1250 - 375) / 7)',
    });
  });

  it.each([
    ['Action: search[Eiffel Tower]', { tool: 'search', input: 'Eiffel Tower' }],
    ['Action: Search("Eiffel Tower")', { tool: 'search', input: 'Eiffel Tower' }],
    ['Action: search: Eiffel Tower', { tool: 'search', input: 'Eiffel Tower' }],
    ['Action: search\nAction Input: Eiffel Tower', { tool: 'search', input: 'Eiffel Tower' }],
  ])('should accept the action spelling %j', (text, action) => {
    expect(parseAgentReply(`Thought: look it up\n${text}`).action).toEqual(action);
  });

  it('should read an answer, also on the line after "Answer:"', () => {
    expect(parseAgentReply('Thought: I now know the answer.\nAnswer: $11.66').answer).toBe(
      '$11.66',
    );
    expect(parseAgentReply('Thought: done\nFinal Answer:\n\n48 years').answer).toBe('48 years');
  });

  it('should cut an observation the model invented, and what follows it', () => {
    const reply = parseAgentReply(
      'Thought: t\nAction: search(Nile)\nObservation: made up\nAnswer: 6650',
    );
    expect(reply.action).toEqual({ tool: 'search', input: 'Nile' });
    expect(reply.answer).toBeNull();
    expect(reply.kept).toBe('Thought: t\nAction: search(Nile)');
  });

  it('should take whichever of action and answer comes first', () => {
    expect(parseAgentReply('Answer: 5\nAction: search(x)')).toMatchObject({
      answer: '5',
      action: null,
    });
  });
});

describe('the REACT agent loop', () => {
  it('should run the tools, feed their observations back and stop with the answer', async () => {
    const { result, trace, sent, phases, reported } = await solve([
      'Thought: I need the opening year.\nAction: search(Golden Gate Bridge)',
      'Thought: Now subtract.\nAction: calculator(1937 - 1889)',
      'Thought: I now know the answer.\nAnswer: 48 years.',
    ]);
    expect(result.parsedAnswer).toBe('48 years');
    expect(result.rawOutput).toBe('Thought: I now know the answer.\nAnswer: 48 years.');
    expect(result.messages).toEqual(sent[0]);
    expect(result.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(result.messages[1]!.content).toBe(`Question: ${EXAMPLE.question}`);
    expect(sent.map((messages) => messages.length)).toEqual([2, 4, 6]);
    expect(sent[2]![5]).toEqual({ role: 'user', content: 'Observation: 48' });
    expect(sent[1]![3]!.content).toMatch(
      /^Observation: \[Golden Gate Bridge\] The Golden Gate Bridge is a suspension bridge/,
    );
    expect(trace).toMatchObject({
      method: 'REACT',
      stopReason: 'answer',
      iterations: 3,
      toolCalls: 2,
    });
    expect(trace.steps.map((s) => [s.action, s.input, s.answer, s.cached])).toEqual([
      ['search', 'Golden Gate Bridge', null, true],
      ['calculator', '1937 - 1889', null, false],
      [null, null, '48 years', false],
    ]);
    expect(trace.steps[1]).toMatchObject({
      thought: 'Now subtract.',
      observation: '48',
      toolError: false,
    });
    expect(trace.steps.every((s) => s.ms >= 0)).toBe(true);
    expect(trace.steps[2]!.toolMs).toBeNull();
    expect(phases.filter((p) => p === 'tool')).toHaveLength(2);
    expect(phases.filter((p) => p === 'parsing')).toHaveLength(3);
    expect(phases.filter((p) => p === 'prompt_build')).toHaveLength(1);
    // Each step was reported live as it finished, in order, as stored in the trace.
    expect(reported.map((s) => [s.iteration, s.action, s.observation, s.answer])).toEqual(
      trace.steps.map((s) => [s.iteration, s.action, s.observation, s.answer]),
    );
  });

  it('should turn a tool error or an unknown tool into an observation and carry on', async () => {
    const { trace, sent } = await solve(
      [
        'Action: calculator(1 / 0)',
        'Action: browser(news)',
        'Action: search(Nile)',
        'Answer: 6650',
      ],
      { maxIterations: 5, tools: ['calculator'] },
    );
    expect(trace.stopReason).toBe('answer');
    expect(trace.steps.slice(0, 3).map((s) => [s.observation, s.toolError])).toEqual([
      ['Error: division by zero', true],
      ['Error: unknown tool "browser"; available: calculator', true],
      ['Error: unknown tool "search"; available: calculator', true],
    ]);
    expect(sent[0]![0]!.content).toContain('calculator(expression)');
    expect(sent[0]![0]!.content).not.toContain('search(query)');
  });

  it('should stop as a loop when the same action comes a third time, without running it', async () => {
    const { result, trace } = await solve([
      'Action: search(Nile)',
      'Action: calculator(2 + 2)',
      'Action: search( nile )',
      'Action: search(NILE)',
    ]);
    expect(trace).toMatchObject({ stopReason: 'loop', iterations: 4, toolCalls: 3 });
    expect(trace.steps[3]!.observation).toBeNull();
    expect(result.parsedAnswer).toBe('');
  });

  it('should stop after maxIterations model calls and not run the last action', async () => {
    const { result, trace, sent } = await solve(
      ['Action: search(Nile)', 'Action: search(Amazon)', 'Action: calculator(6650 - 6400)'],
      {
        maxIterations: 3,
        tools: ['calculator', 'search'],
      },
    );
    expect(sent).toHaveLength(3);
    expect(trace).toMatchObject({ stopReason: 'max_iterations', iterations: 3, toolCalls: 2 });
    expect(trace.steps[2]!.observation).toBeNull();
    expect(result.parsedAnswer).toBe('');
  });

  it('should take an off-format reply as the answer and say so', async () => {
    const { result, trace } = await solve(['The answer is plainly 48.']);
    expect(trace).toMatchObject({ stopReason: 'no_action', iterations: 1, toolCalls: 0 });
    expect(result.parsedAnswer).toBe('The answer is plainly 48');
  });

  it('should keep observations on one line so a tool cannot fake an agent turn', async () => {
    const { sent } = await solve(['Action: search(Eiffel Tower)', 'Answer: 330 metres']);
    const observation = sent[1]![3]!.content;
    expect(observation.split('\n')).toHaveLength(1);
    expect(observation).toContain('(Other matches:');
  });
});
