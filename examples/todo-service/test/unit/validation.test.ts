import { describe, expect, test } from 'vitest';
import { MAX_TITLE_LENGTH, parseId, parseNewTodo, parseTodoUpdate } from '../../src/validation.ts';

describe('request validation', { tags: ['001-FR-006'] }, () => {
  test('a title is trimmed and kept', () => {
    expect(parseNewTodo({ title: '  buy milk ' })).toEqual({ title: 'buy milk' });
  });

  test.each([
    [{}, 'title: is required'],
    [{ title: '   ' }, 'title: must not be empty'],
    [{ title: 42 }, 'title: must be a string, got number'],
    [{ title: 'x'.repeat(MAX_TITLE_LENGTH + 1) }, `title: must be at most ${MAX_TITLE_LENGTH} characters`],
    [[], 'body: must be a JSON object'],
    [null, 'body: must be a JSON object'],
  ])('%j is refused naming the field', (body, message) => {
    expect(() => parseNewTodo(body)).toThrow(message);
  });

  test('done must be a boolean', { tags: ['001-FR-004'] }, () => {
    expect(parseTodoUpdate({ done: true })).toEqual({ done: true });
    expect(() => parseTodoUpdate({ done: 'yes' })).toThrow('done: must be true or false');
  });

  test('ids are positive integers', { tags: ['001-FR-003'] }, () => {
    expect(parseId('12')).toBe(12);
    for (const bad of ['0', '-1', '1.5', 'abc', '01']) expect(parseId(bad)).toBeUndefined();
  });
});
