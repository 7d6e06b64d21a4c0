import { describe, expect, it } from 'vitest';
import {
  contextRelevance,
  faithfulness,
  judgeScore,
  parseClaims,
  parseRelevance,
  parseScore,
  tracePassages,
  type JudgeCall,
  type JudgedSample,
} from '../../server/engine/metrics/judged.ts';
import { simulatedMetricReply } from '../../server/engine/providers/simulated-judge.ts';
import { seededSample } from '../../server/experiments/judge-run.ts';
import type { Example } from '../../server/engine/types.ts';

const example: Example = {
  id: 'q1',
  question: 'When was the Battle of Hastings fought?',
  answer: '14 October 1066',
  aliases: ['1066'],
};
const passages = [
  '[1] Hastings: The Battle of Hastings was fought on 14 October 1066.',
  '[2] Normandy: William was Duke of Normandy.',
  '[3] Tea: Tea is a drink.',
];

/** A judge that answers what the simulator would, from the metadata only. */
const simulated: JudgeCall = async (_messages, metadata) => ({
  text: simulatedMetricReply(metadata.grading!, metadata.question, example),
});
const sample = (answer: string, withPassages = passages): JudgedSample => ({
  question: example.question,
  answer,
  example,
  passages: withPassages,
});

describe('the judge replies', () => {
  it('should read claims, also in a fenced block, and name what is wrong otherwise', () => {
    expect(parseClaims('```json\n{"claims":[{"claim":"a","supported":true}]}\n```')).toEqual([
      { claim: 'a', supported: true },
    ]);
    expect(parseClaims('{"claims":[]}')).toEqual([]);
    expect(parseClaims('{"claims":[{"claim":"a"}]}')).toBe(
      'each claim needs "supported": true or false',
    );
    expect(parseClaims('[1]')).toBe('not a JSON object');
    expect(parseClaims('{"claims": 3}')).toBe('"claims" must be a list');
  });

  it('should want one relevance verdict per passage', () => {
    expect(parseRelevance('{"relevant":[true,false]}', 2)).toEqual([true, false]);
    expect(parseRelevance('{"relevant":[true]}', 2)).toBe(
      '"relevant" has 1 entries for 2 passages',
    );
    expect(parseRelevance('{"relevant":["yes","no"]}', 2)).toBe(
      '"relevant" must be a list of true/false',
    );
  });

  it('should want an integer score on the scale', () => {
    expect(parseScore('{"score":3,"reason":"ok"}', 5)).toEqual({ score: 3, reason: 'ok' });
    for (const bad of ['{"score":0}', '{"score":6}', '{"score":2.5}', '{"score":"4"}'])
      expect(parseScore(bad, 5)).toBe('"score" must be an integer from 1 to 5');
  });
});

describe('the metrics with the simulated judge', () => {
  it('should find a gold answer faithful and a made-up one hallucinated', async () => {
    expect((await faithfulness(sample('14 October 1066'), simulated)).value).toEqual({
      faithfulness: 1,
      hallucinated: false,
      claims: 1,
    });
    expect((await faithfulness(sample('14 October 1073'), simulated)).value).toEqual({
      faithfulness: 0,
      hallucinated: true,
      claims: 1,
    });
    // Two claims, one supported.
    expect(
      (await faithfulness(sample('It was in 1066; William was king of Spain.'), simulated)).value,
    ).toEqual({ faithfulness: 0.5, hallucinated: true, claims: 2 });
    await expect(faithfulness(sample("I'm not sure"), simulated)).rejects.toThrow(
      'the judge found no claim in the answer to check',
    );
    await expect(faithfulness(sample('1066', null as never), simulated)).rejects.toThrow(
      'the sample is not retrieval-augmented',
    );
  });

  it('should count the passages holding the answer or most of the question as relevant', async () => {
    // [1] holds the answer; [2] and [3] share under half of the question's words.
    expect((await contextRelevance(sample('1066'), simulated)).value).toBe(0.333333);
  });

  it('should map the judge score s on 1..N to (s − 1) / (N − 1)', async () => {
    const judge = { rubric: 'Correct.', scale: 5 };
    expect((await judgeScore(sample('14 October 1066'), judge, simulated)).value).toEqual({
      raw: 5,
      score: 1,
    });
    expect((await judgeScore(sample('14 October 1073'), judge, simulated)).value).toEqual({
      raw: 3,
      score: 0.5,
    });
    expect((await judgeScore(sample('Paris'), judge, simulated)).value).toEqual({
      raw: 1,
      score: 0,
    });
    expect(
      (await judgeScore(sample('14 October 1073'), { rubric: 'x', scale: 2 }, simulated)).value,
    ).toEqual({ raw: 1, score: 0 });
  });

  it('should say why an unreadable reply is unusable', async () => {
    const garbage: JudgeCall = async () => ({ text: 'Sure! 4/5' });
    await expect(judgeScore(sample('1066'), { rubric: 'x', scale: 5 }, garbage)).rejects.toThrow(
      "the LLM judge's reply is unusable: not JSON",
    );
  });
});

describe('helpers', () => {
  it('should read the passages of a retrieval trace as the prompt showed them', () => {
    expect(tracePassages({ passages: [{ rank: 1, title: 'T', text: 'x' }] })).toEqual(['[1] T: x']);
    expect(tracePassages({ steps: [] })).toBeNull();
    expect(tracePassages(null)).toBeNull();
  });

  it('should pick a seeded sample, the same for the same seed, all when asked for more', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const picked = seededSample(items, 5, 42);
    expect(picked).toHaveLength(5);
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
    expect(seededSample(items, 5, 42)).toEqual(picked);
    expect(seededSample(items, 5, 7)).not.toEqual(picked);
    expect(seededSample([3, 1], 10, 42)).toEqual([1, 3]);
  });
});
