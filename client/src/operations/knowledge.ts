import { graphql } from '../graphql.ts';

export const KnowledgeBasesQuery = graphql(`
  query KnowledgeBases {
    knowledgeBases { name description source documentCount chunkCount chunkSize }
  }
`);

const GenerationFields = graphql(`
  fragment GenerationFields on DatasetGenerationState {
    id status knowledgeBase datasetName chunksTotal chunksDone pairsAccepted pairsRejected error
    rejections { reason count }
    usage { calls cacheHits tokensInput tokensOutput wallTimeMs }
    dataset { name size }
  }
`);

export const GenerateDatasetMutation = graphql(
  `
  mutation GenerateDataset($kb: String!, $pairs: Int, $chunks: Int, $seed: Int, $name: String, $generator: GeneratorInput) {
    generateDataset(knowledgeBase: $kb, pairsPerChunk: $pairs, maxChunks: $chunks, seed: $seed, name: $name, generator: $generator) {
      ...GenerationFields
    }
  }
`,
  [GenerationFields],
);

export const DatasetGenerationSubscription = graphql(
  `
  subscription DatasetGeneration($id: ID!) {
    datasetGeneration(id: $id) { seq ...GenerationFields }
  }
`,
  [GenerationFields],
);
