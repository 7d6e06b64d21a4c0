import { graphql } from '../graphql.ts';

const ReportFields = graphql(`
  fragment ReportFields on RegressionReport {
    verdict violations samplesInCommon overlap mcNemarPValue checkedAt
    baseline { experimentId attempt how }
    accuracy { baseline candidate delta }
    failureModes { mode baseline candidate }
    manifestDiff { path baseline candidate }
    regressions(first: 20) { totalCount nodes { exampleId expectedAnswer baselineAnswer candidateAnswer failureMode } }
  }
`);

/** The quality side of an experiment: grader pass rates, failure modes, the run manifest and the last regression check. */
export const GatesQuery = graphql(
  `
  query Gates($id: ID!) {
    experiment(id: $id) {
      id currentAttempt
      config { prompt { name version } graders { kind value path tolerance weight } }
      metrics { grading {
        graders { key kind evaluated passed errors passRate { estimate lower upper } }
        weightedScore { estimate lower upper }
        failureModes { mode count }
      } }
      attempts { number manifestHash regression { ...ReportFields } }
    }
  }
`,
  [ReportFields],
);

export const CheckRegressionMutation = graphql(
  `
  mutation CheckRegression($input: CheckRegressionInput!) {
    checkRegression(input: $input) { ...ReportFields }
  }
`,
  [ReportFields],
);

export const PinBaselineMutation = graphql(`
  mutation PinBaseline($id: ID!) { pinBaseline(experimentId: $id) { id } }
`);

export const PromptsQuery = graphql(`
  query Prompts {
    prompts { name latestVersion versions { version template variables description createdAt } }
  }
`);
