import {
  GraphQLError,
  Kind,
  parse,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface RequestLimits {
  /** Largest request body accepted, in bytes, counted as it is read (chunked bodies too). */
  maxBodyBytes: number;
  /** Largest GraphQL multipart request (a dataset file upload), in bytes. */
  maxUploadBytes: number;
  /** Longest GraphQL document accepted, in characters, checked before parsing. */
  maxDocumentChars: number;
  /** Most lexical tokens one document may have (stops the parser before a deep nesting overflows its stack). */
  maxTokens: number;
  /** Deepest selection accepted (a root field is depth 1). */
  maxDepth: number;
  /** Most fields one operation may select, fragments expanded (aliases make a query wide, not deep). */
  maxFields: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  maxBodyBytes: 256 * 1024,
  maxUploadBytes: 10 * 1024 * 1024,
  maxDocumentChars: 100_000,
  maxTokens: 20_000,
  maxDepth: 12,
  maxFields: 2000,
};

/**
 * Refuses oversized bodies with 413 before parsing (the bytes read are counted, so a chunked body
 * without Content-Length is held to the same limit and reading stops at the limit), oversized
 * documents before the parser sees them, and too-deep or too-wide operations before execution.
 */
export function useRequestLimits(limits: RequestLimits = DEFAULT_LIMITS): Plugin {
  return {
    async onRequest({ request, setRequest, endResponse, fetchAPI }) {
      if (!request.body || request.method === 'GET' || request.method === 'HEAD') return;
      const multipart = request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data') ?? false;
      const limit = multipart ? limits.maxUploadBytes : limits.maxBodyBytes;
      const tooLarge = () =>
        endResponse(
          Response.json(
            {
              errors: [
                {
                  message: `request body exceeds ${limit} bytes${multipart ? ' (the upload limit)' : ''}`,
                  extensions: { code: 'PAYLOAD_TOO_LARGE' },
                },
              ],
            },
            { status: 413, headers: { connection: 'close' } },
          ),
        );
      if (Number(request.headers.get('content-length') ?? 0) > limit) {
        void request.body.cancel().catch(() => undefined);
        return tooLarge();
      }
      const body = await readAtMost(request.body, limit);
      if (!body) return tooLarge();
      setRequest(new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal }));
    },
    onParse({ params, setParseFn }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (source.length > limits.maxDocumentChars) {
        throw new GraphQLError(`the GraphQL document has ${source.length} characters, more than the limit of ${limits.maxDocumentChars}`, {
          extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } },
        });
      }
      setParseFn((text, options) => {
        try {
          return parse(text, { ...options, maxTokens: limits.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError) {
            throw new GraphQLError(error.message, { ...error, extensions: { ...error.extensions, http: { status: 400 } } });
          }
          throw error;
        }
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(operationSizeRule(limits));
    },
  };
}

/** The whole body, or null as soon as more than `limit` bytes arrive (the rest is never read). */
async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export function operationSizeRule(limits: Pick<RequestLimits, 'maxDepth' | 'maxFields'>): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const size = measure(operation.selectionSet, fragments, new Set());
        if (size.depth > limits.maxDepth) {
          context.reportError(
            new GraphQLError(`operation depth ${size.depth} exceeds the limit of ${limits.maxDepth}`, {
              nodes: [operation],
              extensions: { code: 'QUERY_TOO_COMPLEX' },
            }),
          );
        }
        if (size.fields > limits.maxFields) {
          context.reportError(
            new GraphQLError(`operation selects ${size.fields} fields, more than the limit of ${limits.maxFields}`, {
              nodes: [operation],
              extensions: { code: 'QUERY_TOO_COMPLEX' },
            }),
          );
        }
      },
    };
  };
}

interface Size {
  depth: number;
  fields: number;
}

function measure(
  selectionSet: SelectionSetNode | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visiting: Set<string>,
): Size {
  const size: Size = { depth: 0, fields: 0 };
  if (!selectionSet) return size;
  const add = (inner: Size, ownDepth: number, ownFields: number) => {
    size.depth = Math.max(size.depth, ownDepth + inner.depth);
    size.fields += ownFields + inner.fields;
  };
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      add(measure(selection.selectionSet, fragments, visiting), 1, 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      add(measure(selection.selectionSet, fragments, visiting), 0, 0);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // Cycles are reported by graphql's own NoFragmentCycles rule; here they only stop the walk.
      if (!fragment || visiting.has(name)) continue;
      visiting.add(name);
      add(measure(fragment.selectionSet, fragments, visiting), 0, 0);
      visiting.delete(name);
    }
  }
  return size;
}
