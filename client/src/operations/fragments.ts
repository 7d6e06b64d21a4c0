import { graphql } from '../graphql.ts';

export const ProfileFields = graphql(`
  fragment ProfileFields on OptimizationProfile {
    totalWallTimeMs
    apiCalls
    profilingEnabled
    warnings
    profilingSummary { phase count totalMs meanMs p50Ms p95Ms p99Ms }
    cacheStats { enabled hits misses hitRate size maxSize totalLatencySavedMs inflightDeduplicated }
    batchStats { enabled batchSize batchesProcessed totalPromptsBatched peakConcurrency meanConcurrency disabledReason }
  }
`);

export const MetricsFields = graphql(`
  fragment MetricsFields on ExperimentMetrics {
    samples failed
    accuracyExact accuracySubstring accuracyAny f1Mean
    latencyMean latencyP50 latencyP95 latencyP99
    throughput tokensInput tokensOutput estimatedCostUsd
    semanticSimilarity { mean ciLow ciHigh n }
    faithfulness { mean ciLow ciHigh n }
    hallucinationRate { mean ciLow ciHigh n }
    contextRelevance { mean ciLow ciHigh n }
    judge { mean ciLow ciHigh n }
  }
`);

export const ConfigFields = graphql(`
  fragment ConfigFields on ExperimentConfig {
    modelName reasoningMethod datasetName numSamples
    hyperparameters { temperature maxTokens topP seed stop }
    provider { kind latencyMs jitterMs hfProvider endpointUrl baseUrl }
    optimization { enableBatching batchSize enableCaching cacheMaxSize enableProfiling }
    agent { maxIterations tools }
    rag {
      retrieval topK knowledgeBase
      embedding { model provider { kind baseUrl endpointUrl hfProvider } }
      reranker { model provider { kind baseUrl endpointUrl hfProvider } }
    }
  }
`);
