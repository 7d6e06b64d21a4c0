import { createTestApp, launch } from '../test/helpers/test-app.ts';

const t = await createTestApp();
const show = async (label: string, query: string, variables: Record<string, unknown> = {}) => {
  const r = await t.gql(query, variables);
  console.log(`${label}: ${r.errors ? `${r.errors[0]!.extensions?.code} — ${r.errors[0]!.message}` : JSON.stringify(r.data)}`);
};
await show('createPrompt', `mutation { createPrompt(input: {name: "qa", template: "Answer {{question}} briefly."}) { name version } }`);
await show('createPromptVersion', `mutation { createPromptVersion(input: {name: "qa", template: "Reply tersely: {{question}}", baseVersion: 1}) { name version } }`);
await show('stale baseVersion', `mutation { createPromptVersion(input: {name: "qa", template: "x", baseVersion: 1}) { version } }`);
await show('unknown variable (prompt)', `mutation { createPrompt(input: {name: "bad", template: "Hi {{answer}}"}) { version } }`);
await show('unknown metadata variable (experiment)', `mutation { createPrompt(input: {name: "cat", template: "{{metadata.category}} {{question}}"}) { version } }`);
await show('  … used on trivia_qa', `mutation { createExperiment(input: {name: "x", config: {datasetName: "trivia_qa", prompt: {name: "cat", version: 1}}}) { id } }`);
await show('invalid regex', `mutation { createExperiment(input: {name: "x", config: {graders: [{kind: REGEX, value: "(a+"}]}}) { id } }`);
await show('JSON_EQUALS with non-JSON', `mutation { createExperiment(input: {name: "x", config: {graders: [{kind: JSON_EQUALS, value: "{nope"}]}}) { id } }`);
const fast = { kind: 'SIMULATED', latencyMs: 0 };
const a = await launch(t, 'a', { provider: fast, datasetName: 'commonsense_qa', numSamples: 10, prompt: { name: 'qa', version: 1 } });
const m = await launch(t, 'm', { provider: fast, datasetName: 'math_reasoning', numSamples: 10 });
await t.waitForEnd(a);
await t.waitForEnd(m);
const CHECK = `mutation ($c: ID!, $b: ID) { checkRegression(input: {candidate: $c, baseline: $b}) { verdict } }`;
await show('baseline on other content', CHECK, { c: a, b: m });
await show('own baseline', CHECK, { c: a, b: a });
await show('no baseline in the lineage', CHECK, { c: a });
const rows = await t.app.orm.em.fork().getConnection().execute('select (select count(*) from prompt_versions) as prompts, (select count(*) from experiments) as experiments, (select count(*) from attempts where regression is not null) as reports');
console.log('stored afterwards:', JSON.stringify(rows[0]));
await t.dispose();
