/** What `/` shows when the web client has not been built (client/dist is missing). */
export const CLIENT_NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>LlmForge</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .25rem}</style>
</head>
<body>
<h1>LlmForge</h1>
<p>Runs LLM experiments — a model × a reasoning method × a dataset × generation parameters — and measures accuracy, latency, tokens and cost.</p>
<p><strong>The web client is not built.</strong> <code>npm start</code> builds it; or run <code>npm run build</code>, then reload this page. For development with hot reload, use <code>npm run dev</code>.</p>
<ul>
<li><a href="/graphql">GraphiQL</a>: launch an experiment and read its metrics and profile (example operations are preloaded).</li>
<li><code>GET /api/v1/results/&lt;id&gt;/profile</code>: the optimization profile as JSON.</li>
<li><code>GET /api/v1/results/&lt;id&gt;/export?format=csv</code>: every sample result.</li>
<li><a href="/healthz">/healthz</a></li>
</ul>
</body>
</html>
`;
