import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export type QueryExecution = 'own' | 'shared';

/**
 * Identical queries in flight share one execution. Dashboards and scripts poll the same few queries
 * (the experiment list, an experiment with its profile) many times a second; when the server is busy
 * such requests overlap, and each one executing on its own only made the queue longer. A query that
 * arrives while an identical one (same document, operation and variables) is executing gets that
 * execution's result: a read concurrent with its own request, never an older one — nothing is kept
 * once the execution ends. Mutations and subscriptions always execute on their own.
 */
export function useSharedQueries(onExecution: (kind: QueryExecution) => void = () => {}): Plugin {
  // yoga's parser cache hands the same DocumentNode to every request with the same query text.
  const inFlight = new WeakMap<DocumentNode, Map<string, Promise<unknown>>>();
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return;
      const key = `${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
      setExecuteFn((executeArgs) => {
        let running = inFlight.get(args.document);
        if (!running) {
          running = new Map();
          inFlight.set(args.document, running);
        }
        const shared = running.get(key);
        if (shared) {
          onExecution('shared');
          return shared as ReturnType<typeof executeFn>;
        }
        onExecution('own');
        const byKey = running;
        const result = Promise.resolve(executeFn(executeArgs)).finally(() => byKey.delete(key));
        byKey.set(key, result);
        return result;
      });
    },
  };
}
