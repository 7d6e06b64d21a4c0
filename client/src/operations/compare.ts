import { graphql } from '../graphql.ts';
import { MetricsFields } from './fragments.ts';

export const ComparableExperimentsQuery = graphql(`
  query ComparableExperiments {
    experiments(first: 100) {
      nodes { id name status config { datasetName reasoningMethod modelName } }
    }
  }
`);

export const CompareQuery = graphql(
  `
  query Compare($a: ID!, $b: ID!, $first: Int, $after: String, $outcome: PairOutcome) {
    compareExperiments(a: $a, b: $b) {
      datasetName samplesInCommon accuracyDifference f1Difference
      a { attempt accuracy correct f1Mean unpaired experiment { id name config { reasoningMethod modelName } metrics { ...MetricsFields } } }
      b { attempt accuracy correct f1Mean unpaired experiment { id name config { reasoningMethod modelName } metrics { ...MetricsFields } } }
      outcomes { bothCorrect bothWrong onlyA onlyB }
      mcNemar { method onlyA onlyB statistic pValue significant }
      bootstrap {
        confidenceLevel resamples seed
        accuracyA { estimate lower upper }
        accuracyB { estimate lower upper }
        accuracyDifference { estimate lower upper }
        f1Difference { estimate lower upper }
      }
      differences(first: $first, after: $after, outcome: $outcome) {
        totalCount
        pageInfo { endCursor hasNextPage }
        nodes {
          exampleId question expectedAnswer outcome f1Difference
          a { sampleIndex parsedAnswer correct f1 error }
          b { sampleIndex parsedAnswer correct f1 error }
        }
      }
    }
  }
`,
  [MetricsFields],
);

export const CompareManyQuery = graphql(`
  query CompareMany($ids: [ID!]!, $first: Int, $after: String, $disagreeOnly: Boolean) {
    compareExperiments(ids: $ids) {
      samplesInCommonAll
      experiments {
        experiment {
          id name config { reasoningMethod }
          metrics {
            semanticSimilarity { mean ciLow ciHigh n }
            faithfulness { mean ciLow ciHigh n }
            hallucinationRate { mean ciLow ciHigh n }
            contextRelevance { mean ciLow ciHigh n }
            judge { mean ciLow ciHigh n }
          }
        }
        samples correct f1Mean tokensInput tokensOutput estimatedCostUsd
        accuracy { estimate lower upper }
        latency { p50 p95 p99 }
      }
      pairwise { a b onlyA onlyB method pValue adjustedPValue significant }
      matrix(first: $first, after: $after, disagreeOnly: $disagreeOnly) {
        totalCount
        pageInfo { endCursor hasNextPage }
        nodes { exampleId question expectedAnswer disagree cells { correct parsedAnswer error } }
      }
    }
  }
`);
