import { ApiTokenField } from './components/ApiTokenField.tsx';
import { ComparePage } from './pages/ComparePage.tsx';
import { ExperimentPage } from './pages/ExperimentPage.tsx';
import { ExperimentsPage } from './pages/ExperimentsPage.tsx';
import { NewExperimentPage } from './pages/NewExperimentPage.tsx';
import { KnowledgeBasesPage } from './pages/KnowledgeBasesPage.tsx';
import { PromptsPage } from './pages/PromptsPage.tsx';
import { Link, useLocation } from './router.tsx';

/** The dashboard: a top bar and the page of the current path. */
export function App() {
  const { path } = useLocation();
  return (
    <>
      <header className="topbar">
        <Link to="/" className="brand">
          <span aria-hidden>⚡</span> LlmForge
        </Link>
        <nav>
          <Link to="/" className={path === '/' ? 'active' : undefined}>
            Experiments
          </Link>
          <Link
            to="/experiments/new"
            className={path === '/experiments/new' ? 'active' : undefined}
          >
            New experiment
          </Link>
          <Link to="/compare" className={path === '/compare' ? 'active' : undefined}>
            Compare
          </Link>
          <Link to="/prompts" className={path === '/prompts' ? 'active' : undefined}>
            Prompts
          </Link>
          <Link
            to="/knowledge-bases"
            className={path === '/knowledge-bases' ? 'active' : undefined}
          >
            Knowledge bases
          </Link>
          <a href="/graphql">GraphiQL</a>
        </nav>
        <ApiTokenField />
      </header>
      <main>
        <Page path={path} />
      </main>
    </>
  );
}

function Page({ path }: { path: string }) {
  if (path === '/') return <ExperimentsPage />;
  if (path === '/experiments/new') return <NewExperimentPage />;
  if (path === '/compare') return <ComparePage />;
  if (path === '/prompts') return <PromptsPage />;
  if (path === '/knowledge-bases') return <KnowledgeBasesPage />;
  const detail = path.match(/^\/experiments\/([^/]+)$/);
  if (detail)
    return <ExperimentPage key={detail[1]} id={decodeURIComponent(detail[1] as string)} />;
  return (
    <section className="panel">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link to="/">Back to the experiments</Link>.
      </p>
    </section>
  );
}
