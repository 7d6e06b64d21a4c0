import { describe, expect, it } from 'vitest';
import {
  KeptPairs,
  parseGeneratedReply,
  pickChunks,
  validatePairs,
} from '../../server/engine/datasets/synthetic.ts';
import { simulatedPairs } from '../../server/engine/providers/simulated-generator.ts';
import type { Passage } from '../../server/engine/retrieval/knowledge-base.ts';

const CHUNK: Passage = {
  id: 'eiffel#1',
  articleId: 'eiffel',
  title: 'Eiffel Tower',
  text:
    'The Eiffel Tower stands on the Champ de Mars in Paris. Construction began in January 1887 and the tower was ' +
    'completed in March 1889. Its metal framework weighs about 7,300 tonnes.',
};

describe('parseGeneratedReply', () => {
  it('should read an object with pairs, a bare list, a fenced block and JSON after chatter', () => {
    const pair = { question: 'q?', answer: 'a' };
    expect(parseGeneratedReply(JSON.stringify({ pairs: [pair] }))).toEqual([pair]);
    expect(parseGeneratedReply(JSON.stringify([pair]))).toEqual([pair]);
    expect(parseGeneratedReply(`\`\`\`json\n${JSON.stringify({ pairs: [pair] })}\n\`\`\``)).toEqual(
      [pair],
    );
    expect(parseGeneratedReply(`Here you go: ${JSON.stringify({ pairs: [pair] })} Enjoy!`)).toEqual(
      [pair],
    );
  });

  it('should return null when there is no list of pairs', () => {
    expect(parseGeneratedReply('I cannot help with that.')).toBeNull();
    expect(parseGeneratedReply('{"pairs": "none"}')).toBeNull();
    expect(parseGeneratedReply('{"pairs": [')).toBeNull();
  });
});

describe('validatePairs', () => {
  const check = (items: unknown[], count = 5, kept = new KeptPairs()) =>
    validatePairs(CHUNK, items, count, kept);

  it('should keep a grounded pair and say why each other one is rejected', () => {
    const outcome = check([
      { question: 'In which year was the Eiffel Tower completed?', answer: '1889.' },
      { question: 'How tall is the Eiffel Tower in feet?', answer: '1,083 feet' },
      { question: 'Was the Eiffel Tower completed in 1889?', answer: '1889' },
      { question: 'What is the capital of Peru, famous for ceviche?', answer: 'Paris' },
      { question: 'Where?', answer: 'Paris' },
      { answer: 'Paris' },
      'not an object',
    ]);
    expect(outcome.accepted).toEqual([
      { question: 'In which year was the Eiffel Tower completed?', answer: '1889' },
    ]);
    expect(outcome.rejected.map((r) => r.reason)).toEqual([
      'NOT_IN_CHUNK',
      'ANSWER_IN_QUESTION',
      'OFF_TOPIC',
      'INVALID',
      'INVALID',
      'INVALID',
    ]);
  });

  it('should compare numbers as values when checking the answer is in the chunk', () => {
    const outcome = check([
      { question: 'How many tonnes does the metal framework weigh?', answer: '7300' },
    ]);
    expect(outcome.accepted).toHaveLength(1);
  });

  it('should reject repeated and near-identical questions across chunks, and pairs beyond the count', () => {
    const kept = new KeptPairs();
    check(
      [{ question: 'When did construction of the Eiffel Tower begin?', answer: '1887' }],
      3,
      kept,
    );
    const outcome = check(
      [
        { question: 'when did construction of the Eiffel Tower begin', answer: '1887' },
        {
          question: 'In which month and year did construction of the Eiffel Tower begin?',
          answer: 'January 1887',
        },
        { question: 'In what year did construction of the Eiffel Tower begin?', answer: '1887' },
        { question: 'Where does the Eiffel Tower stand?', answer: 'Champ de Mars' },
        { question: 'In which city is the Eiffel Tower?', answer: 'Paris' },
      ],
      2,
      kept,
    );
    expect(outcome.rejected.map((r) => r.reason)).toEqual(['DUPLICATE', 'DUPLICATE', 'EXTRA']);
    expect(outcome.rejected[1]!.detail).toBe(
      'same as the kept question "When did construction of the Eiffel Tower begin?"',
    );
    expect(outcome.accepted.map((p) => p.answer)).toEqual(['January 1887', 'Champ de Mars']);
  });
});

describe('pickChunks', () => {
  const passages = Array.from({ length: 50 }, (_, i) => ({ ...CHUNK, id: `c#${i + 1}` }));

  it('should pick the same chunks for the same seed and all of them when there are fewer', () => {
    const ids = (seed: number) => pickChunks(passages, 5, seed).map((p) => p.id);
    expect(ids(7)).toEqual(ids(7));
    expect(ids(7)).not.toEqual(ids(8));
    expect(new Set(ids(7)).size).toBe(5);
    expect(pickChunks(passages.slice(0, 3), 10, 7).map((p) => p.id)).toEqual(['c#1', 'c#2', 'c#3']);
    const short = { ...CHUNK, id: 'short#1', text: 'Too short to ask about.' };
    expect(pickChunks([short, ...passages.slice(0, 2)], 10, 7).map((p) => p.id)).toEqual([
      'c#1',
      'c#2',
    ]);
    expect(pickChunks([short], 10, 7).map((p) => p.id)).toEqual(['short#1']);
  });
});

describe('the simulated generator', () => {
  it('should turn facts of the passage into questions whose answers the chunk holds, deterministically', () => {
    const reply = simulatedPairs({ title: CHUNK.title, passage: CHUNK.text, count: 3 });
    expect(reply).toBe(simulatedPairs({ title: CHUNK.title, passage: CHUNK.text, count: 3 }));
    expect(JSON.parse(reply)).toEqual({
      pairs: [
        { question: 'The Eiffel Tower stands on the what in Paris?', answer: 'Champ de Mars' },
        {
          question:
            'Eiffel Tower: Construction began in January which year and the tower was completed in March 1889?',
          answer: '1887',
        },
        {
          question: 'Eiffel Tower: Its metal framework weighs about how many tonnes?',
          answer: '7,300',
        },
      ],
    });
    const outcome = validatePairs(CHUNK, parseGeneratedReply(reply)!, 3, new KeptPairs());
    expect(outcome.rejected).toEqual([]);
  });
});
