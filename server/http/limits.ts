import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface RequestLimits {
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Deepest selection accepted (a root field is depth 1). */
  maxDepth: number;
  /** Most fields one operation may select, fragments expanded (aliases make a query wide, not deep). */
  maxFields: number;
}

export const DEFAULT_LIMITS: RequestLimits = { maxBodyBytes: 256 * 1024, maxDepth: 12, maxFields: 2000 };

/** Refuses oversized bodies before parsing, and too-deep or too-wide operations before execution. */
export function useRequestLimits(limits: RequestLimits = DEFAULT_LIMITS): Plugin {
  return {
    onRequest({ request, endResponse }) {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > limits.maxBodyBytes) {
        endResponse(
          Response.json(
            { errors: [{ message: `request body exceeds ${limits.maxBodyBytes} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] },
            { status: 413 },
          ),
        );
      }
    },
    onValidate({ addValidationRule }) {
      addValidationRule(operationSizeRule(limits));
    },
  };
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
