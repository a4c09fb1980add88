// Files of other languages read beside their modules (src/source-files.ts): the placeholder rule,
// and that every file a module names exists and is among what the build copies into dist/ (so the
// package reads the same bytes as the sources, and the image cache keys made from them agree).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { describe, expect, test } from 'vitest';
import { sourceFilesToShip } from '../../scripts/copy-source-files.ts';
import { fillPlaceholders, sourceTemplate } from '../../src/source-files.ts';

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

/** Every `sourceFile(import.meta.url, '…')` / `sourceTemplate(import.meta.url, '…', …)` in src/, as a path under src/. */
function namedSourceFiles(): { module: string; file: string }[] {
  const found: { module: string; file: string }[] = [];
  for (const module of globSync('**/*.ts', { cwd: src })) {
    const text = readFileSync(join(src, module), 'utf8');
    for (const call of text.matchAll(/source(?:File|Template)\(\s*import\.meta\.url,\s*'([^']+)'/g))
      found.push({ module, file: relative(src, join(src, dirname(module), call[1]!)) });
  }
  return found;
}

describe('placeholders in source files', { tags: ['001-FR-150'] }, () => {
  test('every @NAME@ is replaced, once per occurrence, and values are not scanned again', () => {
    expect(fillPlaceholders('FROM @IMAGE@\nENV V=@V@ W=@V@', { IMAGE: 'a/b:1', V: '@IMAGE@' })).toBe(
      'FROM a/b:1\nENV V=@IMAGE@ W=@IMAGE@',
    );
  });

  test('shell and JSONPath that contain @ are left alone', () => {
    const shell = 'exec "$@"; x "${a[@]}"; k -o jsonpath=\'{?(@.type=="InternalIP")}\'; e@x.org';
    expect(fillPlaceholders(shell, {})).toBe(shell);
  });

  test('a placeholder without a value, or a value without a placeholder, is an error naming it', () => {
    expect(() => fillPlaceholders('FROM @IMAGE@', {})).toThrow('no value for the placeholder @IMAGE@');
    expect(() => fillPlaceholders('FROM x', { IMAGE: 'y' })).toThrow('no placeholder for @IMAGE@');
  });

  test('an error names the file it was reading', () => {
    const module = new URL('../../src/cluster/images/recipes/redis.ts', import.meta.url).href;
    expect(() => sourceTemplate(module, 'redis/Dockerfile', {})).toThrow(
      /redis\/Dockerfile \(beside .*redis\.ts\): no value for the placeholder @DEBIAN_BASE_IMAGE@/,
    );
  });
});

describe('source files ship with the modules that read them', { tags: ['001-FR-070', '001-FR-150'] }, () => {
  test('every file a module names exists and is among the files the build copies into dist/', () => {
    const named = namedSourceFiles();
    // pause.c, the Dockerfiles, the node's scripts and units, containerd's config, the runc wrapper…
    expect(named.length).toBeGreaterThan(20);
    const shipped = sourceFilesToShip(src);
    expect(named.filter(({ file }) => !shipped.includes(file))).toEqual([]);
  });

  test('no source file is left that no module reads', () => {
    const named = new Set(namedSourceFiles().map(({ file }) => file));
    expect(sourceFilesToShip(src).filter((file) => !named.has(file))).toEqual([]);
  });
});
