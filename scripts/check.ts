/**
 * The regression gate for CI: asks a running LlmForge server to check a candidate experiment against
 * its baseline, prints the verdict and exits 0 (PASSED), 1 (FAILED) or 2 (INCONCLUSIVE, or the check
 * could not be made: unknown experiment, no baseline, server unreachable).
 *
 *   npm run check -- --experiment <id> [--baseline <id>] [--url http://host:4000] [--min-accuracy-delta -0.05]
 *                    [--min-f1-delta -0.05] [--min-overlap 0.8] [--max-mcnemar-p 0.05]
 *
 * LLMFORGE_API_TOKEN, when set, is sent as the bearer token.
 */
import { parseArgs } from 'node:util';

export const EXIT = { PASSED: 0, FAILED: 1, INCONCLUSIVE: 2, ERROR: 2 } as const;

const MUTATION = `mutation ($input: CheckRegressionInput!) { checkRegression(input: $input) {
  verdict violations samplesInCommon overlap mcNemarPValue
  baseline { experimentId attempt how } candidate { experimentId attempt }
  accuracy { baseline candidate delta } f1 { baseline candidate delta }
  failureModes { mode baseline candidate }
  manifestDiff { path baseline candidate }
  regressions(first: 10) { totalCount nodes { exampleId expectedAnswer baselineAnswer candidateAnswer failureMode } } } }`;

interface Report {
  verdict: keyof typeof EXIT;
  violations: string[];
  samplesInCommon: number;
  overlap: number;
  mcNemarPValue: number;
  baseline: { experimentId: string; attempt: number; how: string };
  candidate: { experimentId: string; attempt: number };
  accuracy: { baseline: number; candidate: number; delta: number };
  f1: { baseline: number; candidate: number; delta: number };
  failureModes: { mode: string; baseline: number; candidate: number }[];
  manifestDiff: { path: string; baseline: unknown; candidate: unknown }[];
  regressions: {
    totalCount: number;
    nodes: {
      exampleId: string;
      expectedAnswer: string;
      baselineAnswer: string | null;
      candidateAnswer: string | null;
      failureMode: string | null;
    }[];
  };
}

export async function runCheck(
  argv: string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: withNegativeValuesJoined(argv),
    options: {
      experiment: { type: 'string' },
      baseline: { type: 'string' },
      url: { type: 'string', default: env.LLMFORGE_URL ?? 'http://127.0.0.1:4000' },
      'min-accuracy-delta': { type: 'string' },
      'min-f1-delta': { type: 'string' },
      'min-overlap': { type: 'string' },
      'max-mcnemar-p': { type: 'string' },
    },
  });
  if (!values.experiment) {
    print('usage: npm run check -- --experiment <id> [--baseline <id>] [--url http://host:4000]');
    return EXIT.ERROR;
  }
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const thresholds = {
    minAccuracyDelta: number(values['min-accuracy-delta']),
    minF1Delta: number(values['min-f1-delta']),
    minOverlap: number(values['min-overlap']),
    maxMcNemarPValue: number(values['max-mcnemar-p']),
  };
  const endpoint = new URL('/graphql', values.url).toString();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (env.LLMFORGE_API_TOKEN) headers.authorization = `Bearer ${env.LLMFORGE_API_TOKEN}`;
  let body: {
    data?: { checkRegression: Report } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        query: MUTATION,
        variables: {
          input: { candidate: values.experiment, baseline: values.baseline ?? null, thresholds },
        },
      }),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    print(`ERROR: cannot reach ${endpoint}: ${(error as Error).message}`);
    return EXIT.ERROR;
  }
  if (body.errors?.length || !body.data) {
    for (const error of body.errors ?? [])
      print(`ERROR ${error.extensions?.code ?? ''}: ${error.message}`);
    return EXIT.ERROR;
  }
  const report = body.data.checkRegression;
  printReport(report, print);
  return EXIT[report.verdict];
}

/** parseArgs reads "--min-accuracy-delta -0.1" as two options; "--min-accuracy-delta=-0.1" is what it takes. */
function withNegativeValuesJoined(argv: readonly string[]): string[] {
  const joined: string[] = [];
  for (const arg of argv) {
    const previous = joined.at(-1);
    if (/^-\d/.test(arg) && previous?.startsWith('--') && !previous.includes('='))
      joined[joined.length - 1] = `${previous}=${arg}`;
    else joined.push(arg);
  }
  return joined;
}

function printReport(r: Report, print: (line: string) => void): void {
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)} pts`;
  print(
    `${r.verdict}: candidate ${r.candidate.experimentId}#${r.candidate.attempt} vs baseline ${r.baseline.experimentId}#${r.baseline.attempt} (${r.baseline.how.toLowerCase()})`,
  );
  print(
    `  samples in common ${r.samplesInCommon} (overlap ${pct(r.overlap)}), McNemar p = ${r.mcNemarPValue.toFixed(4)}`,
  );
  print(
    `  accuracy ${pct(r.accuracy.baseline)} -> ${pct(r.accuracy.candidate)} (${signed(r.accuracy.delta)}); F1 ${r.f1.baseline.toFixed(3)} -> ${r.f1.candidate.toFixed(3)} (${signed(r.f1.delta)})`,
  );
  for (const violation of r.violations) print(`  violated: ${violation}`);
  const modes = r.failureModes
    .filter((m) => m.baseline !== m.candidate)
    .map((m) => `${m.mode} ${m.baseline}->${m.candidate}`);
  if (modes.length) print(`  failure modes: ${modes.join(', ')}`);
  for (const change of r.manifestDiff)
    print(
      `  changed ${change.path}: ${JSON.stringify(change.baseline)} -> ${JSON.stringify(change.candidate)}`,
    );
  if (r.regressions.totalCount) print(`  regressions (${r.regressions.totalCount}):`);
  for (const s of r.regressions.nodes) {
    print(
      `    ${s.exampleId}: expected ${JSON.stringify(s.expectedAnswer)}, baseline ${JSON.stringify(s.baselineAnswer)}, candidate ${JSON.stringify(s.candidateAnswer)} [${s.failureMode ?? '-'}]`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCheck(process.argv.slice(2), process.env, (line) =>
    console.log(line),
  );
}
