import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { DatasetRegistry } from '../engine/datasets/registry.ts';
import type { ExperimentConfig } from '../engine/experiment-config.ts';
import type { GraderConfig } from '../engine/graders/config.ts';
import { canonicalJson, sha256Hex } from '../engine/hashing.ts';
import { providerEndpoint } from '../engine/providers/index.ts';

/** Everything one attempt depended on. Keys are never part of it: the provider is named by its endpoint. */
export interface RunManifest {
  /** The fully resolved configuration (every default filled in, the prompt's template included). */
  config: ExperimentConfig;
  dataset: { name: string; contentHash: string };
  knowledgeBase: { name: string; contentHash: string } | null;
  prompt: { name: string; version: number } | null;
  graders: GraderConfig[];
  provider: { kind: string; endpoint: string | null };
  llmforge: { version: string; commit: string | null };
}

export interface BuildInfo {
  version: string;
  commit: string | null;
}

/** The version from package.json and the git commit: LLMFORGE_GIT_COMMIT when set (a deployed build), else `git rev-parse HEAD`, else unknown. */
export function readBuildInfo(): BuildInfo {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  let commit = process.env.LLMFORGE_GIT_COMMIT?.trim() || null;
  if (!commit) {
    try {
      commit =
        execFileSync('git', ['rev-parse', 'HEAD'], {
          cwd: new URL('../..', import.meta.url),
          stdio: ['ignore', 'pipe', 'ignore'],
          timeout: 2000,
        })
          .toString()
          .trim() || null;
    } catch {
      commit = null;
    }
  }
  return { version: pkg.version, commit };
}

export function buildManifest(
  config: ExperimentConfig,
  datasetHash: string,
  registry: DatasetRegistry,
  build: BuildInfo,
): RunManifest {
  const knowledgeBaseName = config.rag?.knowledgeBase ?? null;
  const knowledgeBase =
    knowledgeBaseName === null ? undefined : registry.knowledgeBases.get(knowledgeBaseName);
  return {
    config,
    dataset: { name: config.datasetName, contentHash: datasetHash },
    knowledgeBase: knowledgeBase
      ? { name: knowledgeBase.name, contentHash: knowledgeBase.contentHash }
      : null,
    prompt: config.prompt ? { name: config.prompt.name, version: config.prompt.version } : null,
    graders: config.graders,
    provider: { kind: config.provider.kind, endpoint: providerEndpoint(config.provider) },
    llmforge: build,
  };
}

export function manifestHash(manifest: RunManifest): string {
  return sha256Hex(canonicalJson(manifest));
}

/** One difference between two manifests: a dotted path and the two values (absent is null). */
export interface ManifestChange {
  path: string;
  baseline: unknown;
  candidate: unknown;
}

/** What changed between two manifests, leaf by leaf (arrays compare whole). */
export function diffManifests(baseline: unknown, candidate: unknown, path = ''): ManifestChange[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(baseline) && isObject(candidate)) {
    const keys = [...new Set([...Object.keys(baseline), ...Object.keys(candidate)])].sort();
    return keys.flatMap((key) =>
      diffManifests(baseline[key], candidate[key], path ? `${path}.${key}` : key),
    );
  }
  if (canonicalJson(baseline ?? null) === canonicalJson(candidate ?? null)) return [];
  return [{ path, baseline: baseline ?? null, candidate: candidate ?? null }];
}
