import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { App } from './App.tsx';
import { createGraphQLClient } from './client.ts';
import './styles.css';

const client = createGraphQLClient();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <Provider value={client}>
      <App />
    </Provider>
  </StrictMode>,
);
