import { describe, expect, it } from 'vitest';
import { cacheKey, type CacheKeyParts } from '../../server/engine/cache/cache-key.ts';
import { canonicalJson } from '../../server/engine/hashing.ts';

function parts(overrides: Partial<CacheKeyParts> = {}): CacheKeyParts {
  return {
    providerKind: 'OPENAI_COMPATIBLE',
    endpoint: 'http://127.0.0.1:8000/v1',
    model: 'meta-llama/Llama-3.2-1B-Instruct',
    messages: [
      { role: 'system', content: 'Answer with the answer only.' },
      { role: 'user', content: 'Question: What is 2 + 2?\nAnswer:' },
    ],
    params: { temperature: 0, maxTokens: 256, topP: 1, seed: 42, stop: [] },
    methodVersion: 'naive-v1',
    ...overrides,
  };
}

const base = parts();
const params = base.params;

describe('cacheKey', () => {
  it('should be a SHA-256 hex digest that is equal for equal content, whatever the key order or object identity', () => {
    const reordered: CacheKeyParts = {
      methodVersion: 'naive-v1',
      params: { stop: [], seed: 42, topP: 1, maxTokens: 256, temperature: 0 },
      messages: base.messages.map((m) => ({ content: m.content, role: m.role })),
      model: 'meta-llama/Llama-3.2-1B-Instruct',
      endpoint: 'http://127.0.0.1:8000/v1',
      providerKind: 'OPENAI_COMPATIBLE',
    };
    expect(cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey(reordered)).toBe(cacheKey(base));
    expect(cacheKey(structuredClone(base))).toBe(cacheKey(base));
  });

  it('should change when any part that shapes the response changes', () => {
    const variants: Record<string, CacheKeyParts> = {
      providerKind: parts({ providerKind: 'HUGGINGFACE' }),
      endpoint: parts({ endpoint: 'http://127.0.0.1:8001/v1' }),
      noEndpoint: parts({ endpoint: null }),
      model: parts({ model: 'meta-llama/Llama-3.1-8B-Instruct' }),
      messageContent: parts({
        messages: [
          base.messages[0]!,
          { role: 'user', content: 'Question: What is 2 + 3?\nAnswer:' },
        ],
      }),
      messageRole: parts({
        messages: [{ role: 'user', content: base.messages[0]!.content }, base.messages[1]!],
      }),
      messageOrder: parts({ messages: [base.messages[1]!, base.messages[0]!] }),
      extraMessage: parts({ messages: [...base.messages, { role: 'assistant', content: '4' }] }),
      fewerMessages: parts({ messages: [base.messages[1]!] }),
      temperature: parts({ params: { ...params, temperature: 0.7 } }),
      maxTokens: parts({ params: { ...params, maxTokens: 255 } }),
      topP: parts({ params: { ...params, topP: 0.9 } }),
      seed: parts({ params: { ...params, seed: 43 } }),
      stop: parts({ params: { ...params, stop: ['\n'] } }),
      methodVersion: parts({ methodVersion: 'naive-v2' }),
    };
    const keys = new Map(
      Object.entries(variants).map(([name, variant]) => [name, cacheKey(variant)]),
    );
    for (const [name, key] of keys) expect(key, name).not.toBe(cacheKey(base));
    expect(new Set(keys.values()).size).toBe(Object.keys(variants).length);
  });
});

/** The definition canonicalJson must match: JSON.stringify of a copy with sorted keys. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, field]) => [key, sortKeys(field)]));
  };
  return JSON.stringify(sortKeys(value));
}

describe('canonicalJson', () => {
  it('should write exactly what JSON.stringify writes for the value with sorted keys', () => {
    const values: unknown[] = [
      { b: 1, a: [3, { d: null, c: 'x' }], e: undefined, f: () => 1 },
      [
        undefined,
        () => 1,
        NaN,
        Infinity,
        -0,
        1e21,
        5e-7,
        'quote " and \\ and \n',
        true,
        false,
        null,
      ],
      { é: 1, Z: 2, a: 3, '10': 4, '9': 5, '': 6 },
      { '4294967295': 1, '4294967294': 2, '01': 3, '1': 4, '-1': 5 },
      { nested: { deeper: { list: [{ z: 1, y: [2, { x: 3 }] }] } } },
      { when: new Date(0), boxed: new String('s') },
      'plain',
      42,
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(reference(value));
  });
});
