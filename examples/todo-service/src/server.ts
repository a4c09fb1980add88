// The HTTP API on node:http: a handful of routes, JSON in and out, validation errors as 422.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TodoStore } from './todos.ts';
import { parseId, parseNewTodo, parseTodoUpdate, ValidationError } from './validation.ts';

/** Requests larger than this are refused: todos are short. */
const MAX_BODY_BYTES = 16 * 1024;

/** Builds the HTTP server over a store (not listening yet). */
export function createTodoServer(store: TodoStore): Server {
  return createServer((request, response) => {
    handle(store, request, response).catch((error: unknown) => {
      if (error instanceof ValidationError) return send(response, 422, { error: error.message });
      if (error instanceof SyntaxError) return send(response, 400, { error: 'body: not valid JSON' });
      console.error(error);
      send(response, 500, { error: 'internal error' });
    });
  });
}

async function handle(store: TodoStore, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const [collection, idSegment, ...rest] = url.pathname.split('/').filter(Boolean);
  const method = request.method ?? 'GET';

  if (collection === 'healthz' && idSegment === undefined && method === 'GET') {
    try {
      await store.ping();
      return send(response, 200, { status: 'ok' });
    } catch {
      return send(response, 503, { status: 'database unavailable' });
    }
  }
  if (collection !== 'todos' || rest.length > 0) return send(response, 404, { error: 'not found' });

  if (idSegment === undefined) {
    if (method === 'GET') return send(response, 200, await store.list());
    if (method === 'POST')
      return send(response, 201, await store.create(parseNewTodo(await readJson(request)).title));
    return send(response, 405, { error: `${method} is not allowed on /todos` });
  }

  const id = parseId(idSegment);
  if (id === undefined) return send(response, 404, { error: `no todo ${idSegment}` });
  if (method === 'GET') {
    const todo = await store.get(id);
    return todo ? send(response, 200, todo) : send(response, 404, { error: `no todo ${id}` });
  }
  if (method === 'PATCH') {
    const todo = await store.setDone(id, parseTodoUpdate(await readJson(request)).done);
    return todo ? send(response, 200, todo) : send(response, 404, { error: `no todo ${id}` });
  }
  if (method === 'DELETE') {
    return (await store.remove(id)) ? send(response, 204) : send(response, 404, { error: `no todo ${id}` });
  }
  return send(response, 405, { error: `${method} is not allowed on /todos/${id}` });
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ValidationError('body', `must be at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown;
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    .end(text);
}
