// Todos in PostgreSQL. The store is the only module that writes SQL; every query is parameterised.
import type { Pool } from 'pg';

/** A todo as the API returns it. */
export interface Todo {
  id: number;
  title: string;
  done: boolean;
  createdAt: string;
}

/** What the HTTP layer needs from storage (so it can be unit-tested without a database). */
export interface TodoStore {
  create(title: string): Promise<Todo>;
  list(): Promise<Todo[]>;
  get(id: number): Promise<Todo | undefined>;
  setDone(id: number, done: boolean): Promise<Todo | undefined>;
  remove(id: number): Promise<boolean>;
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
}

interface Row {
  id: string;
  title: string;
  done: boolean;
  created_at: Date;
}

/** Creates the table when it is missing; safe to run at every start. */
export async function migrate(pool: Pool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS todos (
    id bigserial PRIMARY KEY,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    done boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
  )`);
}

/** The PostgreSQL-backed store. */
export function postgresStore(pool: Pool): TodoStore {
  const columns = 'id, title, done, created_at';
  return {
    async create(title) {
      const { rows } = await pool.query<Row>(`INSERT INTO todos (title) VALUES ($1) RETURNING ${columns}`, [
        title,
      ]);
      return toTodo(rows[0]!);
    },
    async list() {
      const { rows } = await pool.query<Row>(`SELECT ${columns} FROM todos ORDER BY id`);
      return rows.map(toTodo);
    },
    async get(id) {
      const { rows } = await pool.query<Row>(`SELECT ${columns} FROM todos WHERE id = $1`, [id]);
      return rows[0] ? toTodo(rows[0]) : undefined;
    },
    async setDone(id, done) {
      const { rows } = await pool.query<Row>(
        `UPDATE todos SET done = $2 WHERE id = $1 RETURNING ${columns}`,
        [id, done],
      );
      return rows[0] ? toTodo(rows[0]) : undefined;
    },
    async remove(id) {
      const { rowCount } = await pool.query('DELETE FROM todos WHERE id = $1', [id]);
      return (rowCount ?? 0) > 0;
    },
    async ping() {
      await pool.query('SELECT 1');
    },
  };
}

function toTodo(row: Row): Todo {
  return { id: Number(row.id), title: row.title, done: row.done, createdAt: row.created_at.toISOString() };
}
