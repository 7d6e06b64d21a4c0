import type { EntityManager } from '@mikro-orm/knex';
import DataLoader from 'dataloader';
import { Attempt } from '../db/entities/attempt.entity.ts';
import type { Experiment } from '../db/entities/experiment.entity.ts';
import { countCurrentResults } from './queries.ts';

export interface ResultCounts {
  done: number;
  failed: number;
}

/**
 * The reads that every row of an experiment list needs (its current attempt, that attempt's result
 * counts), batched: the fields of a page of experiments resolve in the same tick, so each loader
 * sends one query for the whole page instead of one per row. One instance per operation (per
 * EntityManager fork). Nothing is memoised: a mutation later in the same operation must read fresh rows.
 */
export class ExperimentReads {
  readonly currentAttempt = new DataLoader<Experiment, Attempt | null, Experiment>(
    (experiments) => this.loadCurrentAttempts(experiments),
    { cache: false },
  );
  /** The stored results of each experiment's current attempt. */
  readonly currentResultCounts = new DataLoader<Experiment, ResultCounts, Experiment>(
    async (experiments) => {
      const counts = await countCurrentResults(this.em, experiments);
      return experiments.map((experiment) => counts.get(experiment.id) ?? { done: 0, failed: 0 });
    },
    { cache: false },
  );

  constructor(private readonly em: EntityManager) {}

  private async loadCurrentAttempts(
    experiments: readonly Experiment[],
  ): Promise<(Attempt | null)[]> {
    const started = experiments.filter((experiment) => experiment.currentAttempt > 0);
    if (started.length === 0) return experiments.map(() => null);
    const attempts = await this.em.find(Attempt, {
      $or: started.map((experiment) => ({
        experiment: experiment.id,
        number: experiment.currentAttempt,
      })),
    });
    const byKey = new Map(
      attempts.map((attempt) => [attemptKey(attempt.experiment.id, attempt.number), attempt]),
    );
    return experiments.map(
      (experiment) => byKey.get(attemptKey(experiment.id, experiment.currentAttempt)) ?? null,
    );
  }
}

function attemptKey(experimentId: string, number: number): string {
  return `${experimentId}#${number}`;
}
