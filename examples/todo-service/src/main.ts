// Starts the service: connects to PostgreSQL from the environment, creates the table, listens.
import { createPool } from './database.ts';
import { createTodoServer } from './server.ts';
import { migrate, postgresStore } from './todos.ts';

const pool = createPool(process.env);
await migrate(pool);
const port = Number(process.env.PORT ?? '8080');
const server = createTodoServer(postgresStore(pool)).listen(port, () => {
  console.log(`todo-service listening on :${port}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    server.close();
    void pool.end();
  });
