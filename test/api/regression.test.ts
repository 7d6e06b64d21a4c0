import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../scripts/check.ts';
import { count, errorCode, FAST } from '../helpers/experiments.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const CHECK = `mutation ($input: CheckRegressionInput!) { checkRegression(input: $input) {
  verdict violations samplesInCommon overlap baseline { experimentId how } candidate { experimentId }
  accuracy { baseline candidate delta } failureModes { mode baseline candidate }
  manifestDiff { path baseline candidate }
  regressions(first: 3) { totalCount nodes { exampleId baselineAnswer candidateAnswer failureMode } }
  improvements(first: 1, offset: 1) { totalCount nodes { exampleId } } } }`;

describe('regression gates', () => {
  let t: TestApp;
  let url: string;
  const ids = { v1: '', v2: '', weak: '', small: '', math: '' };

  async function runWith(name: string, config: Record<string, unknown>): Promise<string> {
    const id = await launch(t, name, {
      provider: FAST,
      datasetName: 'commonsense_qa',
      numSamples: 40,
      ...config,
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    return id;
  }

  beforeAll(async () => {
    t = await createTestApp();
    url = await t.app.start();
    await t.gql(
      `mutation { createPrompt(input: { name: "qa", template: "Answer {{question}} with a few words." }) { version } }`,
    );
    await t.gql(
      `mutation { createPromptVersion(input: { name: "qa", baseVersion: 1, template: "Reply tersely: {{question}}" }) { version } }`,
    );
    ids.v1 = await runWith('qa v1', { prompt: { name: 'qa', version: 1 }, modelName: 'llama-70B' });
    ids.v2 = await runWith('qa v2', { prompt: { name: 'qa', version: 2 }, modelName: 'llama-70B' });
    ids.weak = await runWith('qa v2 small model', {
      prompt: { name: 'qa', version: 2 },
      modelName: 'tiny-1B',
    });
    ids.small = await runWith('qa v1 few samples', {
      prompt: { name: 'qa', version: 1 },
      modelName: 'llama-70B',
      numSamples: 10,
    });
    ids.math = await runWith('math', { datasetName: 'math_reasoning' });
  });
  afterAll(() => t.dispose());

  it('should compare two prompt versions: verdict, violations, manifest diff and per-sample regressions, stored with the candidate', async () => {
    const result = await t.gql(CHECK, { input: { candidate: ids.v2, baseline: ids.v1 } });
    expect(result.errors).toBeUndefined();
    const report = result.data!.checkRegression;
    console.log('prompt v1 -> v2', JSON.stringify(report, null, 1));
    expect(report.baseline).toEqual({ experimentId: ids.v1, how: 'GIVEN' });
    expect(report.overlap).toBe(1);
    expect(report.manifestDiff).toContainEqual({
      path: 'config.prompt.version',
      baseline: 1,
      candidate: 2,
    });
    expect(report.manifestDiff.map((c: { path: string }) => c.path)).toContain('prompt.version');
    expect(report.verdict).toBe(report.accuracy.delta >= -0.05 ? 'PASSED' : 'FAILED');
    expect(report.regressions.nodes.length).toBe(Math.min(3, report.regressions.totalCount));
    for (const node of report.regressions.nodes) expect(node.failureMode).not.toBeNull();
    const stored = await t.gql(
      `query ($id: ID!) { experiment(id: $id) { attempts { regression { verdict baseline { experimentId } } } } }`,
      { id: ids.v2 },
    );
    expect(stored.data!.experiment.attempts[0].regression).toEqual({
      verdict: report.verdict,
      baseline: { experimentId: ids.v1 },
    });
  });

  it('should fail a weaker candidate, naming the violated rules, and use the pinned baseline when none is named', async () => {
    const pinned = await t.gql(`mutation ($id: ID!) { pinBaseline(experimentId: $id) { id } }`, {
      id: ids.v2,
    });
    expect(pinned.errors).toBeUndefined();
    const result = await t.gql(CHECK, { input: { candidate: ids.weak } });
    const report = result.data!.checkRegression;
    console.log('weak model', report.verdict, report.violations, report.accuracy);
    expect(report.baseline).toEqual({ experimentId: ids.v2, how: 'PINNED' });
    expect(report.verdict).toBe('FAILED');
    expect(report.violations.some((v: string) => v.startsWith('accuracyDelta'))).toBe(true);
    expect(report.manifestDiff).toContainEqual({
      path: 'config.modelName',
      baseline: 'llama-70B',
      candidate: 'tiny-1B',
    });
  });

  it('should call too little overlap INCONCLUSIVE', async () => {
    const report = (await t.gql(CHECK, { input: { candidate: ids.v2, baseline: ids.small } })).data!
      .checkRegression;
    expect(report.verdict).toBe('INCONCLUSIVE');
    expect(report.overlap).toBeLessThan(0.8);
    expect(report.violations[0]).toMatch(/^sample overlap /);
  });

  it('should refuse its own baseline, a baseline on other content and an unknown candidate, storing nothing', async () => {
    const storedBefore = await count(
      t,
      'select count(*) as n from attempts where regression is not null',
    );
    const own = await t.gql(CHECK, { input: { candidate: ids.v2, baseline: ids.v2 } });
    expect(errorCode(own)).toBe('BAD_USER_INPUT');
    expect(own.errors![0]!.message).toBe('baseline: a candidate cannot be its own baseline');
    const other = await t.gql(CHECK, { input: { candidate: ids.v2, baseline: ids.math } });
    expect(errorCode(other)).toBe('BAD_USER_INPUT');
    expect(other.errors![0]!.message).toContain('baseline: the baseline ran on other content');
    const unknown = await t.gql(CHECK, { input: { candidate: 'nope' } });
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    const bad = await t.gql(CHECK, {
      input: { candidate: ids.v2, baseline: ids.v1, thresholds: { minOverlap: 2 } },
    });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(await count(t, 'select count(*) as n from attempts where regression is not null')).toBe(
      storedBefore,
    );
  });

  it('should exit 0, 1 and 2 from npm run check against a running server', async () => {
    const lines: string[] = [];
    const print = (line: string) => lines.push(line);
    const passing = await runCheck(
      [
        '--experiment',
        ids.v2,
        '--baseline',
        ids.v1,
        '--url',
        url,
        '--min-accuracy-delta',
        '-1',
        '--min-f1-delta',
        '-1',
      ],
      {},
      print,
    );
    const failing = await runCheck(['--experiment', ids.weak, '--url', url], {}, print);
    const inconclusive = await runCheck(
      ['--experiment', ids.v2, '--baseline', ids.small, '--url', url],
      {},
      print,
    );
    console.log(lines.join('\n'));
    expect([passing, failing, inconclusive]).toEqual([0, 1, 2]);
    // The real command, in its own process.
    const child = await promisify(execFile)('npx', [
      'tsx',
      'scripts/check.ts',
      '--experiment',
      ids.weak,
      '--url',
      url,
    ]).then(
      () => 0,
      (error: { code: number; stdout: string }) => {
        expect(error.stdout).toMatch(/^FAILED: candidate /);
        return error.code;
      },
    );
    expect(child).toBe(1);
  });

  it('should count failure modes per side in a comparison', async () => {
    const result = await t.gql(
      `query ($a: ID!, $b: ID!) { compareExperiments(a: $a, b: $b) { samplesInCommon a { correct failureModes { mode count } } b { correct failureModes { mode count } } } }`,
      { a: ids.v1, b: ids.weak },
    );
    expect(result.errors).toBeUndefined();
    const c = result.data!.compareExperiments;
    for (const side of [c.a, c.b]) {
      const counted = (side.failureModes as { mode: string; count: number }[]).reduce(
        (sum, m) => sum + m.count,
        0,
      );
      expect(counted).toBe(c.samplesInCommon - side.correct);
    }
    expect(c.b.failureModes.map((m: { mode: string }) => m.mode)).toEqual([
      'ERROR',
      'UNPARSEABLE',
      'HEDGE',
      'REFUSAL',
      'WRONG',
    ]);
  });
});
