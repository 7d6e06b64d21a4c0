import type { TestApp } from './test-app.ts';

/** The SQL statements the app sends while `work` runs, on every connection (writer and reader). */
export async function statementsDuring(
  t: TestApp,
  work: () => Promise<unknown>,
): Promise<string[]> {
  const knexes = [
    ...new Set(
      (['write', 'read'] as const).map((type) => t.app.orm.em.getConnection(type).getKnex()),
    ),
  ];
  const statements: string[] = [];
  const onQuery = (query: { sql: string }) => statements.push(query.sql);
  for (const knex of knexes) knex.on('query', onQuery);
  try {
    await work();
  } finally {
    for (const knex of knexes) knex.off('query', onQuery);
  }
  return statements;
}
