import { graphql } from '../graphql.ts';

export const FormOptionsQuery = graphql(`
  query FormOptions {
    datasets { name size source description kind }
    providers { kind name description available configured models endpoints { name baseUrl hasKey } }
    models
  }
`);

export const CreateExperimentMutation = graphql(`
  mutation CreateExperiment($input: CreateExperimentInput!) {
    createExperiment(input: $input) { id status }
  }
`);

export const LaunchExperimentMutation = graphql(`
  mutation LaunchExperiment($input: CreateExperimentInput!, $apiKey: String) {
    launchExperiment(input: $input, apiKey: $apiKey) { id status }
  }
`);
