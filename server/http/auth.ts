import { timingSafeEqual } from 'node:crypto';
import { GraphQLError, getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.ts';

/**
 * Whether a request presents the API token: `Authorization: Bearer <token>` over HTTP and SSE, or
 * `connectionParams.authorization` ("Bearer <token>" or the bare token) on WebSocket.
 * Always true when no token is configured.
 */
export function isAuthorized(
  token: string | null,
  request: Request | undefined,
  connectionParams: Readonly<Record<string, unknown>> | undefined,
): boolean {
  if (!token) return true;
  const presented =
    request?.headers.get('authorization') ??
    connectionParams?.authorization ??
    connectionParams?.Authorization;
  if (typeof presented !== 'string') return false;
  return sameSecret(presented.replace(/^Bearer\s+/i, ''), token);
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Mutations and subscriptions need the token when one is configured; queries stay open (read-only). */
export function useApiToken(): Plugin<Context> {
  const refuse = (
    document: DocumentNode,
    operationName: string | null | undefined,
    context: Context,
  ) => {
    const operation = getOperationAST(document, operationName)?.operation;
    if (context.authorized || operation === 'query') return null;
    return new GraphQLError(
      `${operation ?? 'this operation'} requires the API token (Authorization: Bearer …)`,
      {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      },
    );
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = refuse(args.document, args.operationName, args.contextValue);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refuse(args.document, args.operationName, args.contextValue);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
