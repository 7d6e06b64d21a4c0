import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
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
  /** Most lexical tokens one document may have. */
  maxTokens: number;
  /** Deepest nesting of braces, brackets and parentheses (the parser recurses once per level). */
  maxNesting: number;
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
  maxNesting: 64,
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
      const multipart =
        request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data') ??
        false;
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
            { status: 413 },
          ),
        );
      // The unread rest is discarded by Node after the response (never buffered), so the client gets its 413.
      if (Number(request.headers.get('content-length') ?? 0) > limit) return tooLarge();
      const body = await readAtMost(request.body, limit);
      if (!body) return tooLarge();
      setRequest(
        new fetchAPI.Request(request.url, {
          method: request.method,
          headers: request.headers,
          body,
          signal: request.signal,
        }),
      );
    },
    onParse({ params }) {
      // Checked before the parser runs: it recurses once per nesting level, and its own token limit
      // reports as a syntax error (status 200 for application/json clients); these are 400s.
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      const problem = documentProblem(source, limits);
      if (problem)
        throw new GraphQLError(problem, {
          extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } },
        });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(operationSizeRule(limits));
    },
  };
}

/** Why a document is refused before parsing (too long, too many tokens, nested too deep), or null. */
export function documentProblem(
  source: string,
  limits: Pick<RequestLimits, 'maxDocumentChars' | 'maxTokens' | 'maxNesting'>,
): string | null {
  if (source.length > limits.maxDocumentChars) {
    return `the GraphQL document has ${source.length} characters, more than the limit of ${limits.maxDocumentChars}`;
  }
  const nesting = deepestNesting(source);
  if (nesting > limits.maxNesting)
    return `the GraphQL document nests brackets ${nesting} deep, more than the limit of ${limits.maxNesting}`;
  // A token is at least one character, so only a long document can have too many.
  if (source.length > limits.maxTokens) {
    const lexer = new Lexer(new Source(source));
    let tokens = 0;
    try {
      while (lexer.advance().kind !== TokenKind.EOF) {
        if (++tokens > limits.maxTokens)
          return `the GraphQL document has more than ${limits.maxTokens} tokens`;
      }
    } catch {
      return null; // a lexical error: the parser reports it with its position
    }
  }
  return null;
}

/** The deepest nesting of {, [ and ( outside strings and comments. */
function deepestNesting(source: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x7b || c === 0x5b || c === 0x28) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d || c === 0x29) depth--;
    else if (c === 0x23) while (i < source.length && source.charCodeAt(i) !== 0x0a) i++;
    else if (c === 0x22) {
      const block = source.startsWith('"""', i);
      const close = block ? '"""' : '"';
      i += close.length;
      while (i < source.length && !source.startsWith(close, i))
        i += source.charCodeAt(i) === 0x5c ? 2 : 1;
      i += close.length - 1;
    }
  }
  return deepest;
}

/** The whole body, or null as soon as more than `limit` bytes arrive (the rest is never read). */
async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
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

export function operationSizeRule(
  limits: Pick<RequestLimits, 'maxDepth' | 'maxFields'>,
): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const size = measure(operation.selectionSet, fragments, new Set());
        if (size.depth > limits.maxDepth) {
          context.reportError(
            new GraphQLError(
              `operation depth ${size.depth} exceeds the limit of ${limits.maxDepth}`,
              {
                nodes: [operation],
                extensions: { code: 'QUERY_TOO_COMPLEX' },
              },
            ),
          );
        }
        if (size.fields > limits.maxFields) {
          context.reportError(
            new GraphQLError(
              `operation selects ${size.fields} fields, more than the limit of ${limits.maxFields}`,
              {
                nodes: [operation],
                extensions: { code: 'QUERY_TOO_COMPLEX' },
              },
            ),
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
      // Introspection (__schema, __type) is as deep as the schema's type wrappers, not the data: GraphiQL's
      // own introspection query is 15 deep. The nesting and token limits still bound it.
      if (selection.name.value.startsWith('__')) continue;
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
