import { useState, type FormEvent } from 'react';
import { storeApiToken, storedApiToken } from '../client.ts';

/** Where to give the API token when the server sets LLMFORGE_API_TOKEN (mutations and live views need it). */
export function ApiTokenField() {
  const [token, setToken] = useState(storedApiToken() ?? '');
  const save = (event: FormEvent) => {
    event.preventDefault();
    storeApiToken(token.trim() || null);
    // The client reads the token once, when it is created.
    window.location.reload();
  };
  return (
    <details className="token">
      <summary>{storedApiToken() ? 'API token ✓' : 'API token'}</summary>
      <form onSubmit={save}>
        <label>
          Bearer token, if the server sets LLMFORGE_API_TOKEN
          <input
            type="password"
            value={token}
            autoComplete="off"
            onChange={(e) => setToken(e.target.value)}
          />
        </label>
        <button type="submit">Save</button>
      </form>
    </details>
  );
}
