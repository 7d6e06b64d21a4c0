import { startCluster } from './scripts/cluster-processes.ts';
import { readSse } from './test/helpers/subscriptions.ts';

const databaseUrl = 'postgres://postgres@127.0.0.1:5432/llmforge_mustshow';
const cluster = await startCluster(2, { databaseUrl, redisUrl: 'redis://127.0.0.1:6379', redisPrefix: 'mustshow:', leaseMs: 5000 });
const t0 = performance.now();
const at = () => `${((performance.now() - t0) / 1000).toFixed(2)}s`;
const res = await fetch(`${cluster.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({
  query: 'mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id } }',
  variables: { input: { name: 'three-process', config: { numSamples: 600, datasetName: 'arithmetic', provider: { kind: 'SIMULATED', latencyMs: 40 }, optimization: { enableBatching: true, batchSize: 4, enableCaching: false } } } } }) });
const id = ((await res.json()) as any).data.launchExperiment.id as string;
console.log(`${at()} launched ${id} on the API process ${cluster.url}`);
const runningOn = await Promise.race(cluster.workers.map((w) => w.next((l) => l.message === 'running attempt').then(() => w)));
console.log(`${at()} ${runningOn.name} runs it`);
const other = cluster.workers.find((w) => w !== runningOn)!;
const resumed = other.next((l) => l.message === 'running attempt');
const sub = await fetch(`${cluster.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({
  query: 'subscription ($id: ID!, $after: Int) { experimentEvents(experimentId: $id, after: $after) { __typename seq attempt ... on SampleCompleted { sampleIndex } ... on ExperimentStatusChanged { status } } }', variables: { id, after: 0 } }) });
const events: any[] = [];
let killedAt = 0;
for await (const m of readSse(sub)) {
  if (m.event !== 'next') continue;
  const e = m.data.data.experimentEvents;
  events.push(e);
  if (!killedAt && events.filter((x) => x.__typename === 'SampleCompleted').length === 200) {
    runningOn.kill('SIGKILL');
    killedAt = performance.now();
    console.log(`${at()} kill -9 ${runningOn.name} after ${events.length} events (last seq ${e.seq})`);
    void resumed.then(() => console.log(`${at()} ${other.name} resumed the attempt ${((performance.now() - killedAt) / 1000).toFixed(2)} s after the kill`));
  }
  if (e.__typename === 'ExperimentStatusChanged') console.log(`${at()} seq ${e.seq} status ${e.status}`);
}
const seqs = events.map((e) => e.seq);
const contiguous = seqs.every((s, i) => s === i + 1);
const samples = events.filter((e) => e.__typename === 'SampleCompleted');
console.log(`${at()} subscriber on the API got ${events.length} events, seq ${seqs[0]}..${seqs.at(-1)}, contiguous: ${contiguous}; SampleCompleted events: ${samples.length}, distinct sample indices: ${new Set(samples.map((s) => s.sampleIndex)).size}`);
await cluster.stop();
