// What a client may send: checked at the boundary, with messages naming the field.

/** The longest title accepted. */
export const MAX_TITLE_LENGTH = 200;

/** A request body that cannot be accepted: answered with 422 and this message. */
export class ValidationError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ValidationError';
    this.field = field;
  }
}

/** The body of `POST /todos`: `{ "title": "…" }`. */
export function parseNewTodo(body: unknown): { title: string } {
  const title = fieldOf(body, 'title');
  if (title === undefined) throw new ValidationError('title', 'is required');
  if (typeof title !== 'string') throw new ValidationError('title', `must be a string, got ${typeof title}`);
  const trimmed = title.trim();
  if (trimmed === '') throw new ValidationError('title', 'must not be empty');
  if (trimmed.length > MAX_TITLE_LENGTH)
    throw new ValidationError(
      'title',
      `must be at most ${MAX_TITLE_LENGTH} characters, got ${trimmed.length}`,
    );
  return { title: trimmed };
}

/** The body of `PATCH /todos/:id`: `{ "done": true }`. */
export function parseTodoUpdate(body: unknown): { done: boolean } {
  const done = fieldOf(body, 'done');
  if (typeof done !== 'boolean') throw new ValidationError('done', 'must be true or false');
  return { done };
}

/** A todo id from a path segment: a positive integer. */
export function parseId(segment: string): number | undefined {
  return /^[1-9]\d{0,15}$/.test(segment) ? Number(segment) : undefined;
}

function fieldOf(body: unknown, field: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError('body', 'must be a JSON object');
  return (body as Record<string, unknown>)[field];
}
