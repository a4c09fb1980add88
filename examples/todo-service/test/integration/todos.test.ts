// The API against the real PostgreSQL, inside the cluster: `incluster run` gives this pod the
// database's Service address and credentials (POSTGRES_*). Each run works in a schema of its own,
// dropped afterwards, so runs and shards never see each other's rows.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPool } from '../../src/database.ts';
import { createTodoServer } from '../../src/server.ts';
import { migrate, postgresStore } from '../../src/todos.ts';

const schema = `todo_test_${randomBytes(4).toString('hex')}`;
let admin: Pool;
let pool: Pool;
let server: Server;
let base: string;

/** A server instance on the test schema, listening on a free port. */
async function startServer(): Promise<{ server: Server; base: string; pool: Pool }> {
  const instancePool = createPool(process.env, { options: `-c search_path=${schema}` });
  const instance = createTodoServer(postgresStore(instancePool));
  await new Promise<void>((resolve) => instance.listen(0, '127.0.0.1', resolve));
  return {
    server: instance,
    base: `http://127.0.0.1:${(instance.address() as AddressInfo).port}`,
    pool: instancePool,
  };
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

beforeAll(async () => {
  admin = createPool(process.env);
  await admin.query(`CREATE SCHEMA ${schema}`);
  ({ server, base, pool } = await startServer());
  await migrate(pool);
});

afterAll(async () => {
  server?.close();
  await pool?.end();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
});

describe('todos in PostgreSQL', () => {
  test('POST /todos stores the todo and answers it', { tags: ['001-FR-001'] }, async () => {
    const created = await call('POST', '/todos', { title: 'write the report' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'write the report', done: false });
    const { rows } = await pool.query<{ title: string }>('SELECT title FROM todos WHERE id = $1', [
      created.body?.id,
    ]);
    expect(rows).toEqual([{ title: 'write the report' }]);
  });

  test('GET /todos lists them oldest first', { tags: ['001-FR-002'] }, async () => {
    await call('POST', '/todos', { title: 'second' });
    await call('POST', '/todos', { title: 'third' });
    const listed = await call('GET', '/todos');
    expect(listed.status).toBe(200);
    const titles = (listed.body as unknown as { title: string }[]).map((t) => t.title);
    expect(titles.slice(-2)).toEqual(['second', 'third']);
  });

  test('GET /todos/:id answers the todo or 404', { tags: ['001-FR-003'] }, async () => {
    const created = await call('POST', '/todos', { title: 'find me' });
    expect((await call('GET', `/todos/${String(created.body?.id)}`)).body).toMatchObject({
      title: 'find me',
    });
    expect((await call('GET', '/todos/999999')).status).toBe(404);
  });

  test('PATCH /todos/:id marks it done', { tags: ['001-FR-004'] }, async () => {
    const created = await call('POST', '/todos', { title: 'finish me' });
    const updated = await call('PATCH', `/todos/${String(created.body?.id)}`, { done: true });
    expect(updated).toMatchObject({ status: 200, body: { done: true } });
    const { rows } = await pool.query<{ done: boolean }>('SELECT done FROM todos WHERE id = $1', [
      created.body?.id,
    ]);
    expect(rows[0]?.done).toBe(true);
  });

  test('DELETE /todos/:id deletes it once', { tags: ['001-FR-005'] }, async () => {
    const created = await call('POST', '/todos', { title: 'delete me' });
    const path = `/todos/${String(created.body?.id)}`;
    expect((await call('DELETE', path)).status).toBe(204);
    expect((await call('DELETE', path)).status).toBe(404);
  });

  test('an invalid title is refused with 422 and nothing is stored', { tags: ['001-FR-006'] }, async () => {
    const before = await pool.query('SELECT count(*)::int AS n FROM todos');
    const refused = await call('POST', '/todos', { title: '' });
    expect(refused).toMatchObject({ status: 422, body: { error: 'title: must not be empty' } });
    const after = await pool.query('SELECT count(*)::int AS n FROM todos');
    expect(after.rows).toEqual(before.rows);
  });

  test('todos outlive the service instance', { tags: ['001-FR-007'] }, async () => {
    const created = await call('POST', '/todos', { title: 'persist me' });
    const second = await startServer();
    try {
      const response = await fetch(`${second.base}/todos/${String(created.body?.id)}`);
      expect(await response.json()).toMatchObject({ title: 'persist me' });
    } finally {
      second.server.close();
      await second.pool.end();
    }
  });

  test(
    'GET /healthz answers 200 while the database answers',
    { tags: ['001-FR-010', '001-FR-011'] },
    async () => {
      expect(await call('GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    },
  );
});
