import { graphql } from '../graphql.ts';
import { ConfigFields, MetricsFields, ProfileFields } from './fragments.ts';

export const ExperimentQuery = graphql(
  `
  query Experiment($id: ID!) {
    experiment(id: $id) {
      id name description status error createdAt startedAt completedAt currentAttempt
      config { ...ConfigFields }
      progress { done total failed }
      metrics { ...MetricsFields }
      profile { ...ProfileFields }
      attempts { number status totalSamples wallTimeMs startedAt completedAt error }
    }
  }
`,
  [ConfigFields, MetricsFields, ProfileFields],
);

/** Read when the page opens and when the status changes; while a run streams, its events feed the histogram. */
export const LatenciesQuery = graphql(`
  query Latencies($id: ID!) {
    experiment(id: $id) {
      id
      samples(first: 1000) { totalCount nodes { sampleIndex latencyMs error } }
    }
  }
`);

/**
 * The live feed's events, in batches: a fast run sends thousands of events a second, and one frame
 * every 100 ms is all a page can draw anyway (the server gathers them, once for every viewer).
 */
export const ExperimentEventBatchesSubscription = graphql(`
  subscription ExperimentEventBatches($id: ID!) {
    experimentEventBatches(experimentId: $id, maxDelayMs: 100) {
      events {
        __typename seq attempt
        ... on SampleCompleted {
          sampleIndex exampleId parsedAnswer expectedAnswer correct f1 latencyMs cacheHit cacheTier error
        }
        ... on ExperimentProgress { done total failed hitRate throughput }
        ... on ExperimentStatusChanged { status error }
      }
    }
  }
`);

export const ExperimentProfileSubscription = graphql(
  `
  subscription ExperimentProfile($id: ID!) {
    experimentProfile(experimentId: $id) { ...ProfileFields }
  }
`,
  [ProfileFields],
);

/** One page of the sample table: light, since it is re-read while a run goes. */
export const SamplesQuery = graphql(`
  query Samples($id: ID!, $first: Int, $after: String, $correct: Boolean, $failed: Boolean) {
    experiment(id: $id) {
      id
      samples(first: $first, after: $after, correct: $correct, failed: $failed) {
        totalCount
        pageInfo { endCursor hasNextPage }
        nodes {
          sampleIndex exampleId question expectedAnswer parsedAnswer correct f1 latencyMs cacheHit cacheTier error
          agent { iterations }
          retrieval { passages { id } }
        }
      }
    }
  }
`);

/** The same page in full (prompt, output, trace), read when a sample is opened. */
export const SampleDetailsQuery = graphql(`
  query SampleDetails($id: ID!, $first: Int, $after: String, $correct: Boolean, $failed: Boolean) {
    experiment(id: $id) {
      id
      samples(first: $first, after: $after, correct: $correct, failed: $failed) {
        nodes {
          sampleIndex rawOutput prompt exactMatch tokensInput tokensOutput retries
          timings { phase ms }
          agent {
            iterations toolCalls stopReason
            steps { iteration thought action input observation answer ms toolMs toolError cached }
          }
          retrieval { retrieval topK knowledgeBase passages { id rank score title text } }
          metadata
          semanticSimilarity semanticSimilarityError faithfulness hallucinated faithfulnessError
          contextRelevance contextRelevanceError judgeScore judgeRawScore judgeError judgePrompt judgeReply
        }
      }
    }
  }
`);

export const RunExperimentMutation = graphql(`
  mutation RunExperiment($id: ID!, $apiKey: String) {
    runExperiment(id: $id, apiKey: $apiKey) { id status currentAttempt }
  }
`);

export const CancelExperimentMutation = graphql(`
  mutation CancelExperiment($id: ID!) {
    cancelExperiment(id: $id) { id status }
  }
`);

export const DeleteExperimentMutation = graphql(`
  mutation DeleteExperiment($id: ID!) {
    deleteExperiment(id: $id)
  }
`);
