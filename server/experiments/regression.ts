import type { EntityManager } from '@mikro-orm/sqlite';
import { Attempt } from '../db/entities/attempt.entity.ts';
import { BaselinePin } from '../db/entities/baseline-pin.entity.ts';
import { Experiment } from '../db/entities/experiment.entity.ts';
import type { FailureMode } from '../engine/graders/failure-mode.ts';
import { canonicalJson, sha256Hex } from '../engine/hashing.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { compareExperiments } from './compare.ts';
import { diffManifests, type ManifestChange } from './run-manifest.ts';

/** What a candidate may lose against its baseline before the gate fails. */
export interface RegressionThresholds {
  /** Candidate accuracy − baseline accuracy must be at least this. */
  minAccuracyDelta: number;
  /** Candidate mean F1 − baseline mean F1 must be at least this. */
  minF1Delta: number;
  /** Share of the candidate's samples the baseline also ran; below it the verdict is INCONCLUSIVE. */
  minOverlap: number;
  /** When set, a candidate with more regressions than improvements fails if McNemar's p-value is below it. */
  maxMcNemarPValue: number | null;
}

export const REGRESSION_DEFAULTS: RegressionThresholds = {
  minAccuracyDelta: -0.05,
  minF1Delta: -0.05,
  minOverlap: 0.8,
  maxMcNemarPValue: null,
};

export type RegressionVerdict = 'PASSED' | 'FAILED' | 'INCONCLUSIVE';

export interface RegressionRule {
  rule: string;
  threshold: number;
  actual: number;
  passed: boolean;
}

/** One example the two runs judged differently. */
export interface ChangedSample {
  exampleId: string;
  question: string;
  expectedAnswer: string;
  baselineAnswer: string | null;
  candidateAnswer: string | null;
  /** How the losing side went wrong. */
  failureMode: FailureMode | null;
}

export interface RegressionReport {
  verdict: RegressionVerdict;
  candidate: { experimentId: string; attempt: number; manifestHash: string | null };
  baseline: {
    experimentId: string;
    attempt: number;
    manifestHash: string | null;
    how: 'GIVEN' | 'PINNED' | 'LATEST';
  };
  thresholds: RegressionThresholds;
  rules: RegressionRule[];
  violations: string[];
  samplesInCommon: number;
  overlap: number;
  accuracy: { baseline: number; candidate: number; delta: number };
  f1: { baseline: number; candidate: number; delta: number };
  mcNemarPValue: number;
  /** Baseline right, candidate wrong; the candidate's failure mode says how. */
  regressions: ChangedSample[];
  /** Baseline wrong, candidate right. */
  improvements: ChangedSample[];
  /** Wrong or failed samples by failure mode, on each side. */
  failureModes: { mode: FailureMode; baseline: number; candidate: number }[];
  manifestDiff: ManifestChange[];
  checkedAt: string;
}

export interface CheckRegressionInput {
  candidate: string;
  baseline?: string | null;
  thresholds?: Partial<Record<keyof RegressionThresholds, number | null>> | null;
}

/**
 * Compares a candidate run with a baseline (named, else the pinned baseline of its lineage, else the
 * latest other completed run of the lineage) and stores the report with the candidate's attempt.
 */
export async function checkRegression(
  em: EntityManager,
  input: CheckRegressionInput,
): Promise<RegressionReport> {
  const thresholds = validateThresholds(input.thresholds);
  const candidate = await completedRun(em, input.candidate, 'candidate');
  if (input.baseline != null && input.baseline === input.candidate) {
    throw new ValidationError('baseline', 'a candidate cannot be its own baseline');
  }
  const chosen =
    input.baseline != null
      ? { run: await completedRun(em, input.baseline, 'baseline'), how: 'GIVEN' as const }
      : await defaultBaseline(em, candidate);
  if (chosen.run.attempt.datasetHash !== candidate.attempt.datasetHash) {
    throw new ValidationError(
      'baseline',
      `the baseline ran on other content (dataset "${chosen.run.experiment.datasetName}", hash ${chosen.run.attempt.datasetHash.slice(0, 12)}…) than the candidate (hash ${candidate.attempt.datasetHash.slice(0, 12)}…)`,
    );
  }
  const comparison = await compareExperiments(em, {
    a: chosen.run.experiment.id,
    b: candidate.experiment.id,
    attemptA: chosen.run.attempt.number,
    attemptB: candidate.attempt.number,
  });
  const failureModes = await failureModesOf(em, [chosen.run.attempt.id, candidate.attempt.id]);
  const overlap =
    candidate.attempt.totalSamples === 0
      ? 0
      : comparison.samplesInCommon / (comparison.samplesInCommon + comparison.b.unpaired);
  const accuracy = {
    baseline: comparison.a.accuracy,
    candidate: comparison.b.accuracy,
    delta: comparison.b.accuracy - comparison.a.accuracy,
  };
  const f1 = {
    baseline: comparison.a.f1Mean,
    candidate: comparison.b.f1Mean,
    delta: comparison.b.f1Mean - comparison.a.f1Mean,
  };
  const rules: RegressionRule[] = [
    {
      rule: 'overlap',
      threshold: thresholds.minOverlap,
      actual: overlap,
      passed: overlap >= thresholds.minOverlap,
    },
    {
      rule: 'accuracyDelta',
      threshold: thresholds.minAccuracyDelta,
      actual: accuracy.delta,
      passed: accuracy.delta >= thresholds.minAccuracyDelta,
    },
    {
      rule: 'f1Delta',
      threshold: thresholds.minF1Delta,
      actual: f1.delta,
      passed: f1.delta >= thresholds.minF1Delta,
    },
  ];
  const { onlyA, onlyB, pValue } = comparison.mcNemar;
  if (thresholds.maxMcNemarPValue !== null) {
    const significantLoss = onlyA > onlyB && pValue < thresholds.maxMcNemarPValue;
    rules.push({
      rule: 'mcNemarPValue',
      threshold: thresholds.maxMcNemarPValue,
      actual: pValue,
      passed: !significantLoss,
    });
  }
  const violations = rules.filter((r) => !r.passed).map(describeViolation);
  const verdict: RegressionVerdict =
    overlap < thresholds.minOverlap ? 'INCONCLUSIVE' : violations.length > 0 ? 'FAILED' : 'PASSED';
  const modeOf = failureModes.bySample;
  const changed = (pair: (typeof comparison.pairs)[number], loser: 'a' | 'b'): ChangedSample => ({
    exampleId: pair.exampleId,
    question: pair.question,
    expectedAnswer: pair.expectedAnswer,
    baselineAnswer: pair.a.parsedAnswer,
    candidateAnswer: pair.b.parsedAnswer,
    failureMode:
      modeOf.get(
        `${loser === 'a' ? chosen.run.attempt.id : candidate.attempt.id}:${pair[loser].sampleIndex}`,
      ) ?? null,
  });
  const report: RegressionReport = {
    verdict,
    candidate: {
      experimentId: candidate.experiment.id,
      attempt: candidate.attempt.number,
      manifestHash: candidate.attempt.manifestHash,
    },
    baseline: {
      experimentId: chosen.run.experiment.id,
      attempt: chosen.run.attempt.number,
      manifestHash: chosen.run.attempt.manifestHash,
      how: chosen.how,
    },
    thresholds,
    rules,
    violations,
    samplesInCommon: comparison.samplesInCommon,
    overlap,
    accuracy,
    f1,
    mcNemarPValue: pValue,
    regressions: comparison.pairs.filter((p) => p.outcome === 'ONLY_A').map((p) => changed(p, 'b')),
    improvements: comparison.pairs
      .filter((p) => p.outcome === 'ONLY_B')
      .map((p) => changed(p, 'a')),
    failureModes: failureModes.counts(chosen.run.attempt.id, candidate.attempt.id),
    manifestDiff: diffManifests(
      chosen.run.attempt.manifest ?? {},
      candidate.attempt.manifest ?? {},
    ).filter((c) => !c.path.startsWith('llmforge.')),
    checkedAt: new Date().toISOString(),
  };
  candidate.attempt.regression = report;
  await em.flush();
  return report;
}

/** Pins an experiment's latest completed run as the baseline of its lineage (replacing any earlier pin). */
export async function pinBaseline(em: EntityManager, experimentId: string): Promise<Experiment> {
  const run = await completedRun(em, experimentId, 'experimentId');
  const lineage = lineageOf(run);
  const existing = await em.findOne(BaselinePin, { lineage });
  if (existing) existing.experiment = run.experiment;
  else em.create(BaselinePin, { lineage, experiment: run.experiment });
  await em.flush();
  return run.experiment;
}

/** The experiment pinned for this experiment's lineage, or null. */
export async function pinnedBaselineFor(
  em: EntityManager,
  experimentId: string,
): Promise<Experiment | null> {
  const experiment = await em.findOne(Experiment, { id: experimentId });
  if (!experiment || experiment.currentAttempt === 0) return null;
  const attempt = await em.findOne(Attempt, {
    experiment: experimentId,
    number: experiment.currentAttempt,
  });
  if (!attempt) return null;
  const pin = await em.findOne(
    BaselinePin,
    { lineage: lineageOf({ experiment, attempt }) },
    { populate: ['experiment'] },
  );
  return pin?.experiment ?? null;
}

interface Run {
  experiment: Experiment;
  attempt: Attempt;
}

/** A lineage: runs on the same dataset content, with the same method and prompt name (any version). */
function lineageOf({ experiment, attempt }: Run): string {
  return sha256Hex(
    canonicalJson([
      attempt.datasetHash,
      experiment.config.reasoningMethod,
      experiment.config.prompt?.name ?? null,
    ]),
  );
}

async function completedRun(em: EntityManager, id: string, field: string): Promise<Run> {
  const experiment = await em.findOne(Experiment, { id });
  if (!experiment) throw new NotFoundError('Experiment', id);
  const attempt =
    experiment.currentAttempt === 0
      ? null
      : await em.findOne(Attempt, { experiment: id, number: experiment.currentAttempt });
  if (attempt?.status !== 'COMPLETED') {
    throw new ValidationError(
      field,
      `experiment ${id} has no completed run (its latest attempt is ${attempt ? attempt.status.toLowerCase() : 'not started'})`,
    );
  }
  return { experiment, attempt };
}

async function defaultBaseline(
  em: EntityManager,
  candidate: Run,
): Promise<{ run: Run; how: 'PINNED' | 'LATEST' }> {
  const lineage = lineageOf(candidate);
  const pin = await em.findOne(BaselinePin, { lineage }, { populate: ['experiment'] });
  if (pin && pin.experiment.id !== candidate.experiment.id)
    return { run: await completedRun(em, pin.experiment.id, 'baseline'), how: 'PINNED' };
  const others = await em.find(
    Experiment,
    {
      method: candidate.experiment.method,
      status: 'COMPLETED',
      id: { $ne: candidate.experiment.id },
    },
    { orderBy: { updatedAt: 'desc' }, limit: 200 },
  );
  for (const experiment of others) {
    const attempt = await em.findOne(Attempt, {
      experiment: experiment.id,
      number: experiment.currentAttempt,
    });
    if (attempt?.status === 'COMPLETED' && lineageOf({ experiment, attempt }) === lineage)
      return { run: { experiment, attempt }, how: 'LATEST' };
  }
  throw new ConflictError(
    `no baseline for experiment ${candidate.experiment.id}: no other completed run on the same dataset content with method ${candidate.experiment.method} and the same prompt name; name one with baseline or pin one with pinBaseline`,
  );
}

async function failureModesOf(em: EntityManager, attemptIds: number[]) {
  const rows = await em
    .getConnection()
    .execute<{ attempt_id: number; sample_index: number; failure_mode: FailureMode | null }[]>(
      `select attempt_id, sample_index, failure_mode from sample_results where attempt_id in (${attemptIds.map(() => '?').join(',')}) and failure_mode is not null`,
      attemptIds,
    );
  const bySample = new Map(
    rows.map((row) => [`${row.attempt_id}:${row.sample_index}`, row.failure_mode]),
  );
  const counts = (baselineId: number, candidateId: number) => {
    const modes = ['ERROR', 'UNPARSEABLE', 'HEDGE', 'REFUSAL', 'WRONG'] as const;
    return modes.map((mode) => ({
      mode,
      baseline: rows.filter((r) => r.attempt_id === baselineId && r.failure_mode === mode).length,
      candidate: rows.filter((r) => r.attempt_id === candidateId && r.failure_mode === mode).length,
    }));
  };
  return { bySample, counts };
}

function describeViolation(rule: RegressionRule): string {
  const f = (n: number) => (Math.round(n * 10_000) / 10_000).toString();
  switch (rule.rule) {
    case 'overlap':
      return `sample overlap ${f(rule.actual)} < ${f(rule.threshold)}`;
    case 'mcNemarPValue':
      return `significant loss: McNemar p-value ${f(rule.actual)} < ${f(rule.threshold)}`;
    default:
      return `${rule.rule} ${f(rule.actual)} < ${f(rule.threshold)}`;
  }
}

function validateThresholds(input: CheckRegressionInput['thresholds']): RegressionThresholds {
  const value = (key: keyof RegressionThresholds, min: number, max: number): number | null => {
    const given = input?.[key];
    if (given == null) return REGRESSION_DEFAULTS[key];
    if (typeof given !== 'number' || !Number.isFinite(given) || given < min || given > max) {
      throw new ValidationError(`thresholds.${key}`, `must be a number in ${min}..${max}`);
    }
    return given;
  };
  return {
    minAccuracyDelta: value('minAccuracyDelta', -1, 1) as number,
    minF1Delta: value('minF1Delta', -1, 1) as number,
    minOverlap: value('minOverlap', 0, 1) as number,
    maxMcNemarPValue: value('maxMcNemarPValue', 0, 1),
  };
}
