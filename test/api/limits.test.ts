import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationSizeRule } from '../../server/http/limits.ts';
import { buildSchema } from '../../server/schema/index.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

describe('request limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  it('should refuse a body larger than 256 KiB with 413 before parsing it', async () => {
    const query = `{ datasets { name } } # ${'x'.repeat(300 * 1024)}`;
    const response = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(query.length + 20) },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('should refuse an operation that selects more than 2000 fields through aliases', async () => {
    const aliases = Array.from(
      { length: 700 },
      (_, i) => `a${i}: datasets { name size source }`,
    ).join(' ');
    const { data, errors } = await t.gql(`{ ${aliases} }`);
    expect(data).toBeUndefined();
    expect(errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(errors?.[0]?.message).toBe('operation selects 2800 fields, more than the limit of 2000');
  });

  it('should accept the widest reasonable query', async () => {
    const aliases = Array.from(
      { length: 100 },
      (_, i) => `a${i}: datasets { name size source }`,
    ).join(' ');
    const { errors } = await t.gql(`{ ${aliases} }`);
    expect(errors).toBeUndefined();
  });

  it('should measure depth through fragments and inline fragments', () => {
    const schema = buildSchema();
    const rule = operationSizeRule({ maxDepth: 3, maxFields: 100 });
    const deep = parse(
      `query { experiments { ...E } } fragment E on ExperimentConnection { nodes { ... on Experiment { config { modelName } } } }`,
    );
    const shallow = parse(`query { experiments { nodes { id } } }`);
    expect(validate(schema, deep, [rule]).map((e) => e.message)).toEqual([
      'operation depth 4 exceeds the limit of 3',
    ]);
    expect(validate(schema, shallow, [rule])).toEqual([]);
  });
});
