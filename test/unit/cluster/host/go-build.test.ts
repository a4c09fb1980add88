// The one Go build: a program's cache directory is keyed by every build input, only missing binaries
// are built, both kinds of source run the right `go` command (under nice), and a machine without Go
// is told which program needs it. A stand-in `go` first on PATH records its calls and writes the
// binaries it is asked for; the real builds run in the integration and lifecycle suites.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  ensureGoProgram,
  goBuildKey,
  goProgramDir,
  type GoProgram,
} from '../../../../src/cluster/host/go-build.ts';
import { kubernetesBinDir, kubernetesProgram } from '../../../../src/cluster/host/kubernetes.ts';
import { InfrastructureError } from '../../../../src/errors.ts';
import { Status } from '../../../../src/progress/status.ts';
import { PassThrough } from 'node:stream';

const installed: GoProgram = {
  name: 'tool',
  label: 'Tool',
  version: 'v1.2.3',
  binaries: { tool: 'example.com/tool/cmd/tool' },
  source: { kind: 'install' },
  ldflags: '-s -w',
};

const wrapped: GoProgram = {
  name: 'pair',
  label: 'Pair',
  version: 'v0.1.0',
  binaries: { one: 'example.com/pair/cmd/one', two: 'example.com/pair/cmd/two' },
  source: {
    kind: 'module',
    identity: 'require example.com/pair v0.1.0',
    goMod: () => Promise.resolve('module w\n'),
  },
  ldflags: '-s -w -X main.version=v0.1.0',
  tags: ['netgo'],
};

/** A stand-in `go` that logs its arguments and writes the binary `install` or `build -o` names. */
function standinGo(): { env: NodeJS.ProcessEnv; calls: () => string[]; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'incluster-go-'));
  const log = join(dir, 'calls.log');
  writeFileSync(
    join(dir, 'go'),
    `#!/bin/sh
echo "$*" >> '${log}'
if [ "$1" = install ]; then eval last=\\\${$#}; name=\${last%@*}; name=\${name##*/}; echo bin > "$GOBIN/$name"; chmod +x "$GOBIN/$name"; fi
if [ "$1" = build ]; then while [ "$1" != -o ]; do shift; done; echo bin > "$2"; chmod +x "$2"; fi
`,
  );
  chmodSync(join(dir, 'go'), 0o755);
  return {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    calls: () => readFileSync(log, 'utf8').trim().split('\n'),
    cache: join(dir, 'cache'),
  };
}

const status = new Status(new PassThrough().resume(), { interactive: false });

describe('Go programs built into the cache', { tags: ['001-FR-153'] }, () => {
  test('the cache directory holds the key of every build input', () => {
    const key = goBuildKey(installed);
    expect(goProgramDir('/c', installed)).toBe(`/c/tool/v1.2.3/${key}`);
    for (const changed of [
      { ...installed, version: 'v1.2.4' },
      { ...installed, ldflags: '-s' },
      { ...installed, tags: ['netgo'] },
      { ...installed, binaries: { tool: 'example.com/tool/v2/cmd/tool' } },
      { ...wrapped, name: 'tool', version: 'v1.2.3' },
    ])
      expect(goBuildKey(changed)).not.toBe(key);
    // The generated go.mod of a wrapper module is part of it through its identity.
    const other = { ...wrapped, source: { ...wrapped.source, identity: 'require example.com/pair v0.2.0' } };
    expect(goBuildKey(other)).not.toBe(goBuildKey(wrapped));
  });

  test('Kubernetes keeps one directory for the local provider and kind (kubeadm joins it)', () => {
    expect(kubernetesBinDir('/c')).toBe(goProgramDir('/c', kubernetesProgram()));
    expect(Object.keys(kubernetesProgram().binaries)).toContain('kubeadm');
    expect(kubernetesProgram('1.34.4').ldflags).toContain('gitVersion=v1.34.4');
  });

  test('`go install PACKAGE@VERSION` under nice, once; a cached binary needs no Go', async () => {
    const go = standinGo();
    const dir = await ensureGoProgram(installed, { cacheRoot: go.cache, status, env: go.env });
    expect(readFileSync(join(dir, 'tool'), 'utf8')).toBe('bin\n');
    expect(go.calls()).toEqual(['install -trimpath -ldflags -s -w example.com/tool/cmd/tool@v1.2.3']);
    await ensureGoProgram(installed, { cacheRoot: go.cache, status, env: { ...go.env, PATH: '/nowhere' } });
    expect(go.calls()).toHaveLength(1);
  });

  test('a wrapper module builds only the binaries asked for, each moved into place', async () => {
    const go = standinGo();
    const dir = await ensureGoProgram(wrapped, { cacheRoot: go.cache, status, env: go.env, only: ['two'] });
    expect(readFileSync(join(dir, '..', 'module', 'go.mod'), 'utf8')).toBe('module w\n');
    expect(go.calls()).toEqual([
      `build -trimpath -tags netgo -ldflags -s -w -X main.version=v0.1.0 -o ${join(dir, 'two')}.tmp example.com/pair/cmd/two`,
    ]);
    expect(readFileSync(join(dir, 'two'), 'utf8')).toBe('bin\n');
    await ensureGoProgram(wrapped, { cacheRoot: go.cache, status, env: go.env });
    expect(go.calls()).toHaveLength(2);
    expect(go.calls()[1]).toContain('example.com/pair/cmd/one');
  });

  test('without Go, the error names the program, its version and where a binary may go', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'incluster-go-'));
    const error = await ensureGoProgram(installed, {
      cacheRoot: cache,
      status,
      env: { PATH: '/nowhere' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).reason).toBe('GoMissing');
    expect((error as Error).message).toBe('building Tool v1.2.3 needs Go, and `go` is not on PATH');
    expect((error as InfrastructureError).hint).toContain(goProgramDir(cache, installed));
  });
});
