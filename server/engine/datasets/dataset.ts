import type { DatasetKind, Example } from '../types.ts';

export type DatasetSource = 'builtin' | 'generated' | 'imported';

/** A read-only, indexable collection of examples. Large datasets may build items on demand. */
export interface Dataset {
  readonly name: string;
  readonly description: string;
  readonly source: DatasetSource;
  readonly kind: DatasetKind;
  readonly size: number;
  /** SHA-256 hex identifying the content, so results can say exactly what they were measured on. */
  readonly contentHash: string;
  /** The example at `index` (0-based); throws a RangeError outside [0, size). */
  at(index: number): Example;
}

export interface DatasetInfo {
  name: string;
  description: string;
  source: DatasetSource;
  kind: DatasetKind;
}

/** A dataset whose examples are already in memory (file datasets and imports). */
export function createInMemoryDataset(
  info: DatasetInfo,
  examples: readonly Example[],
  contentHash: string,
): Dataset {
  const frozen = Object.freeze(examples.map((example) => Object.freeze({ ...example })));
  return {
    ...info,
    size: frozen.length,
    contentHash,
    at(index: number): Example {
      assertIndex(index, frozen.length, info.name);
      return frozen[index] as Example;
    },
  };
}

export function assertIndex(index: number, size: number, datasetName: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(
      `Index ${index} is out of range for dataset "${datasetName}" (size ${size})`,
    );
  }
}
