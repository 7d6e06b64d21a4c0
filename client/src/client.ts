import { cacheExchange, Client, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient } from 'graphql-ws';

const TOKEN_KEY = 'llmforge.apiToken';

/** The API token (LLMFORGE_API_TOKEN) this browser presents, if the server needs one. */
export function storedApiToken(): string | null {
  return window.localStorage.getItem(TOKEN_KEY);
}

export function storeApiToken(token: string | null): void {
  if (token) window.localStorage.setItem(TOKEN_KEY, token);
  else window.localStorage.removeItem(TOKEN_KEY);
}

/**
 * The one urql client of the dashboard: queries and mutations over HTTP, subscriptions over
 * graphql-ws on the same `/graphql` path (the browser's own WebSocket).
 */
export function createGraphQLClient(origin: string = window.location.origin): Client {
  const token = storedApiToken();
  const authorization = token ? `Bearer ${token}` : null;
  const ws = createWsClient({
    url: `${origin.replace(/^http/, 'ws')}/graphql`,
    lazy: true,
    retryAttempts: 5,
    connectionParams: authorization ? { authorization } : {},
  });
  return new Client({
    url: `${origin}/graphql`,
    // The CSRF header tells the server this request comes from a script it allowed (see the README's Security section).
    fetchOptions: () => ({
      headers: { 'x-llmforge-csrf': '1', ...(authorization ? { authorization } : {}) },
    }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              return { unsubscribe: ws.subscribe(input, sink) };
            },
          };
        },
      }),
    ],
  });
}
