// A configuration file with several invalid fields reports all of them in one error, each with its
// file, line, field and what was expected, in the order of the file.
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/errors.ts';

function failure(text: string): ConfigError {
  try {
    parseConfig(text, 'incluster.config.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('every invalid field at once', { tags: ['001-FR-079', '001-FR-044'] }, () => {
  test('four bad fields: four lines, in file order, the first one the error’s own', () => {
    const error = failure(
      [
        'cluster:',
        '  provider: kindd',
        'runner:',
        '  shards: 0',
        '  colour: blue',
        'artifacts:',
        '  dir: 7',
        '',
      ].join('\n'),
    );
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^incluster\.config\.yaml:2: cluster\.provider: expected one of .*got "kindd"$/);
    expect(lines[1]).toMatch(/^incluster\.config\.yaml:4: runner\.shards: .*got 0$/);
    expect(lines[2]).toBe('incluster.config.yaml:5: runner: unknown field "colour"');
    expect(lines[3]).toBe('incluster.config.yaml:7: artifacts.dir: expected string, got 7');
    expect(error.fieldPath).toBe('cluster.provider');
    expect(error.line).toBe(2);
    expect(error.exitStatus).toBe(2);
  });

  test('one bad field: the one line it always was', () => {
    const error = failure('namespace: 5\n');
    expect(error.message).toBe('incluster.config.yaml:1: namespace: expected string, got 5');
  });
});
