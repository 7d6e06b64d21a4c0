/** The operations GraphiQL opens with: launch an experiment, then read its metrics and profile. */
export const GRAPHIQL_DEFAULT_QUERY = `# Welcome to LlmForge. Run "Launch" first, copy the id it returns into
# the Variables pane as {"id": "..."}, then run "Status" as often as you like.
# The provider is the offline SIMULATED oracle: no key and no network needed.

mutation Launch {
  launchExperiment(input: {
    name: "naive-trivia"
    config: {
      reasoningMethod: NAIVE
      datasetName: "trivia_qa"
      numSamples: 20
      provider: { kind: SIMULATED, latencyMs: 50 }
      optimization: { enableBatching: true, batchSize: 8, enableCaching: true, enableProfiling: true }
    }
  }) { id status }
}

query Status($id: ID!) {
  experiment(id: $id) {
    id name status
    progress { done total failed }
    metrics { accuracyExact accuracySubstring accuracyAny f1Mean latencyP50 latencyP95 latencyP99 throughput tokensInput tokensOutput }
    profile {
      totalWallTimeMs
      profilingSummary { phase count totalMs meanMs p50Ms p95Ms p99Ms }
      cacheStats { hits misses hitRate size maxSize totalLatencySavedMs }
      batchStats { batchesProcessed totalPromptsBatched peakConcurrency meanConcurrency }
    }
    samples(first: 5) { nodes { exampleId question parsedAnswer expectedAnswer correct latencyMs } }
  }
}

# Live events of one experiment: replays from the start (after: 0), then follows the run.
subscription Watch($id: ID!) {
  experimentEvents(experimentId: $id, after: 0) {
    __typename seq
    ... on SampleCompleted { sampleIndex exampleId correct cacheHit latencyMs }
    ... on ExperimentProgress { done total hitRate throughput }
    ... on ExperimentStatusChanged { status error }
  }
}

query Experiments {
  experiments(first: 10) {
    totalCount
    nodes { id name status config { reasoningMethod datasetName modelName } metrics { accuracyAny throughput } }
    pageInfo { hasNextPage endCursor }
  }
}

query Datasets {
  datasets { name description size source }
  providers { kind name configured available }
}
`;
