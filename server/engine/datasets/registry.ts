import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConflictError } from '../../errors.ts';
import type { DatasetKind, Example } from '../types.ts';
import { createArithmeticDataset } from './arithmetic.ts';
import {
  ARTICLES_FILE,
  BUILTIN_FILE_DATASETS,
  COT_EXAMPLES_FILE,
  DATASETS_DIR,
} from './catalog.ts';
import { createInMemoryDataset, type Dataset } from './dataset.ts';
import {
  parseArticles,
  parseDatasetRecords,
  parseFewShotExamples,
  readJsonFile,
  type FewShotExample,
  type KnowledgeArticle,
} from './files.ts';
import { canonicalJson, sha256Hex } from '../hashing.ts';
import { KnowledgeBaseCatalog } from '../retrieval/catalog.ts';

const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

export interface QuestionMatch {
  example: Example;
  dataset: Dataset;
}

/** A dataset too large to index question by question; it maps a question back to its index itself. */
export interface SelfIndexingDataset extends Dataset {
  indexOfQuestion(question: string): number | undefined;
}

export interface RegistryContents {
  datasets: readonly Dataset[];
  articles: readonly KnowledgeArticle[];
  cotExamples: readonly FewShotExample[];
}

/** Every dataset the engine can run, plus the static prompt data that ships with them. */
export class DatasetRegistry {
  readonly articles: readonly KnowledgeArticle[];
  readonly cotExamples: readonly FewShotExample[];
  /** The corpora RAG and the agent's search tool can use: the built-in articles, plus imports. */
  readonly knowledgeBases: KnowledgeBaseCatalog;
  private readonly datasets = new Map<string, Dataset>();
  private readonly builtinNames: ReadonlySet<string>;
  private readonly questionIndex = new Map<string, { dataset: Dataset; index: number }>();
  private readonly selfIndexing: SelfIndexingDataset[] = [];
  /** Example id → index, per dataset, built on first lookup. */
  private readonly idIndex = new WeakMap<Dataset, Map<string, number>>();

  /** The given datasets count as built-in: later registrations cannot reuse their names. */
  constructor(contents: RegistryContents) {
    this.articles = Object.freeze([...contents.articles]);
    this.cotExamples = Object.freeze([...contents.cotExamples]);
    this.knowledgeBases = new KnowledgeBaseCatalog(this.articles);
    for (const dataset of contents.datasets) this.add(dataset);
    this.builtinNames = new Set(this.datasets.keys());
  }

  static async loadBuiltins(dataDir: string = DEFAULT_DATA_DIR): Promise<DatasetRegistry> {
    const [fileDatasets, articles, cotExamples] = await Promise.all([
      Promise.all(BUILTIN_FILE_DATASETS.map((entry) => loadFileDataset(dataDir, entry))),
      readJsonFile(join(dataDir, ARTICLES_FILE)).then((raw) =>
        parseArticles(raw, join(dataDir, ARTICLES_FILE)),
      ),
      readJsonFile(join(dataDir, COT_EXAMPLES_FILE)).then((raw) =>
        parseFewShotExamples(raw, join(dataDir, COT_EXAMPLES_FILE)),
      ),
    ]);
    return new DatasetRegistry({
      datasets: [...fileDatasets, createArithmeticDataset()],
      articles,
      cotExamples,
    });
  }

  /** All datasets, sorted by name. */
  list(): Dataset[] {
    return [...this.datasets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): Dataset | undefined {
    return this.datasets.get(name);
  }

  /** Adds a dataset (e.g. an import); names are unique and built-in names are reserved. */
  register(dataset: Dataset): void {
    if (this.builtinNames.has(dataset.name)) {
      throw new ConflictError(`Dataset "${dataset.name}" is built in and cannot be replaced`);
    }
    this.add(dataset);
  }

  /**
   * The answer oracle of the simulated provider: the example whose question is `question`
   * (compared after trimming and collapsing whitespace). Where two datasets share a question,
   * the first registered wins, which is why the runner names the example (see findExample).
   */
  findByQuestion(question: string): QuestionMatch | undefined {
    const normalized = normalizeQuestion(question);
    const indexed = this.questionIndex.get(normalized);
    if (indexed) return { example: indexed.dataset.at(indexed.index), dataset: indexed.dataset };
    for (const dataset of this.selfIndexing) {
      const index = dataset.indexOfQuestion(normalized);
      if (index !== undefined) return { example: dataset.at(index), dataset };
    }
    return undefined;
  }

  /**
   * The answer oracle by identity: example `exampleId` of dataset `datasetName`. Generated datasets
   * too large to index by id answer undefined (the caller falls back to the question text).
   */
  findExample(datasetName: string, exampleId: string): QuestionMatch | undefined {
    const dataset = this.datasets.get(datasetName);
    if (!dataset || isSelfIndexing(dataset)) return undefined;
    let ids = this.idIndex.get(dataset);
    if (!ids) {
      ids = new Map();
      for (let index = 0; index < dataset.size; index++) ids.set(dataset.at(index).id, index);
      this.idIndex.set(dataset, ids);
    }
    const index = ids.get(exampleId);
    return index === undefined ? undefined : { example: dataset.at(index), dataset };
  }

  private add(dataset: Dataset): void {
    if (this.datasets.has(dataset.name)) {
      throw new ConflictError(`Dataset "${dataset.name}" is already registered`);
    }
    this.datasets.set(dataset.name, dataset);
    if (isSelfIndexing(dataset)) this.selfIndexing.push(dataset);
    else this.indexQuestions(dataset);
  }

  private indexQuestions(dataset: Dataset): void {
    for (let index = 0; index < dataset.size; index++) {
      const key = normalizeQuestion(dataset.at(index).question);
      if (!this.questionIndex.has(key)) this.questionIndex.set(key, { dataset, index });
    }
  }
}

export function normalizeQuestion(question: string): string {
  return question.trim().replace(/\s+/g, ' ');
}

function isSelfIndexing(dataset: Dataset): dataset is SelfIndexingDataset {
  return typeof (dataset as Partial<SelfIndexingDataset>).indexOfQuestion === 'function';
}

async function loadFileDataset(
  dataDir: string,
  entry: { name: string; description: string; kind: DatasetKind },
): Promise<Dataset> {
  const path = join(dataDir, DATASETS_DIR, `${entry.name}.json`);
  const raw = await readJsonFile(path);
  const examples = parseDatasetRecords(raw, path);
  return createInMemoryDataset(
    { ...entry, source: 'builtin' },
    examples,
    sha256Hex(canonicalJson(raw)),
  );
}
