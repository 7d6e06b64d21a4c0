import { GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.ts';

/**
 * The header that marks a request as sent by a script allowed to set headers: a browser only lets a
 * page add it cross-site after a CORS preflight, which the CORS policy below refuses to foreign origins.
 */
export const CSRF_HEADER = 'x-llmforge-csrf';

/** Content types a browser sends cross-site without a preflight (a plain HTML form can send them). */
const SIMPLE_CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
];

/** True when a browser could have sent this request from any web page without asking the server first. */
export function isSimpleRequest(request: Request): boolean {
  if (request.headers.has(CSRF_HEADER)) return false;
  const contentType = request.headers.get('content-type')?.toLowerCase().trim() ?? '';
  return (
    contentType === '' || SIMPLE_CONTENT_TYPES.some((simple) => contentType.startsWith(simple))
  );
}

/**
 * Refuses mutations carried by "simple" requests (form posts, multipart uploads without the header,
 * text/plain): any web page can make a visitor's browser send those to a local server, so they must
 * carry the CSRF header or a JSON content type, which force a preflight. Queries stay readable that
 * way (GET links, EventSource) because CORS keeps their answers from foreign pages.
 */
export function useCsrfPrevention(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const request = (args.contextValue as Context & { request?: Request }).request;
      if (!request || !isSimpleRequest(request)) return;
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(
            `mutations need a JSON body or the ${CSRF_HEADER} header (a cross-site form cannot send either)`,
            {
              extensions: { code: 'CSRF_REFUSED', http: { status: 403 } },
            },
          ),
        ],
      });
    },
  };
}

/**
 * The origins allowed to call the server from a browser: its own (the page it serves) and those
 * listed in LLMFORGE_CORS_ORIGINS ('*' allows any).
 */
export function originAllowed(
  origin: string,
  host: string | null | undefined,
  allowed: readonly string[],
): boolean {
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** yoga's `cors` option: CORS headers only for allowed origins, none (so the browser blocks) for others. */
export function corsPolicy(allowed: readonly string[]) {
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !originAllowed(origin, request.headers.get('host'), allowed))
      return false as const;
    return {
      origin: [origin],
      credentials: true,
      allowedHeaders: ['content-type', 'authorization', CSRF_HEADER],
      methods: ['GET', 'POST'],
    };
  };
}
