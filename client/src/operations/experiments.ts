import { graphql } from '../graphql.ts';

export const ExperimentsQuery = graphql(`
  query Experiments($first: Int, $after: String, $status: ExperimentStatus, $method: ReasoningMethod, $model: String) {
    experiments(first: $first, after: $after, status: $status, method: $method, model: $model) {
      totalCount
      pageInfo { endCursor hasNextPage }
      nodes {
        id name status createdAt currentAttempt
        config { modelName reasoningMethod datasetName }
        progress { done total failed }
        metrics { accuracyAny }
        attempts { number wallTimeMs }
      }
    }
  }
`);

export const ExperimentsChangedSubscription = graphql(`
  subscription ExperimentsChanged {
    experimentsChanged { experimentId change status }
  }
`);

export const RowProgressSubscription = graphql(`
  subscription RowProgress($id: ID!) {
    experimentEvents(experimentId: $id) {
      __typename seq
      ... on ExperimentProgress { done total failed }
    }
  }
`);
