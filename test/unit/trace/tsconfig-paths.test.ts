// tsconfig `paths` through `extends`, merged as TypeScript merges them: the collector follows
// imports through them, so a path it reads differently from Vite is an import it cannot follow.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tsconfigPaths } from '../../../src/trace/collect/tsconfig-paths.ts';
import { makeProject } from './temp-project.ts';

describe('tsconfig paths through extends', { tags: ['001-FR-064'] }, () => {
  test('paths of an extended file are relative to that file, unless a baseUrl is in force', async () => {
    const root = await makeProject({
      'tsconfig.json': '{ "extends": "./config/base" }',
      'config/base.json': '{ "compilerOptions": { "paths": { "~/*": ["./src/*"] } } }',
    });
    expect(tsconfigPaths(root)).toEqual({ base: join(root, 'config'), patterns: { '~/*': ['./src/*'] } });
    const withBaseUrl = await makeProject({
      'tsconfig.json': '{ "extends": "./config/base.json", "compilerOptions": { "baseUrl": "." } }',
      'config/base.json': '{ "compilerOptions": { "paths": { "~/*": ["src/*"] } } }',
    });
    expect(tsconfigPaths(withBaseUrl)).toEqual({ base: withBaseUrl, patterns: { '~/*': ['src/*'] } });
  });

  test("the extending file's paths replace the extended ones; of a list, the last one wins", async () => {
    const root = await makeProject({
      'tsconfig.json': '{ "extends": ["./a.json", "./b.json"] }',
      'a.json': '{ "compilerOptions": { "paths": { "a/*": ["a/*"] } } }',
      'b.json': '{ "compilerOptions": { "paths": { "b/*": ["b/*"] } } }',
      'own/tsconfig.json': '{ "extends": "../a.json", "compilerOptions": { "paths": { "own/*": ["x/*"] } } }',
    });
    expect(tsconfigPaths(root)?.patterns).toEqual({ 'b/*': ['b/*'] });
    expect(tsconfigPaths(join(root, 'own'))).toEqual({
      base: join(root, 'own'),
      patterns: { 'own/*': ['x/*'] },
    });
  });

  test("a package's config, a missing file and a cycle", async () => {
    const root = await makeProject({
      'tsconfig.json': '{ "extends": "@acme/tsconfig/base.json" }',
      'node_modules/@acme/tsconfig/base.json':
        '{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["*"] } } }',
      'missing/tsconfig.json': '{ "extends": "./nowhere.json" }',
      'cycle/tsconfig.json':
        '{ "extends": "./other.json", "compilerOptions": { "paths": { "c/*": ["c/*"] } } }',
      'cycle/other.json': '{ "extends": "./tsconfig.json" }',
    });
    expect(tsconfigPaths(root)).toEqual({
      base: join(root, 'node_modules/@acme/tsconfig'),
      patterns: { '@/*': ['*'] },
    });
    expect(tsconfigPaths(join(root, 'missing'))).toBeUndefined();
    expect(tsconfigPaths(join(root, 'cycle'))?.patterns).toEqual({ 'c/*': ['c/*'] });
  });
});
