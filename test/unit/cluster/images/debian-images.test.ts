import { describe, expect, test } from 'vitest';
import {
  debootstrapArgs,
  DEBOOTSTRAP_STAGE,
  ROOTFS_LEFTOVERS,
} from '../../../../src/cluster/images/recipes/debian-base.ts';
import { IMAGE_DEBIAN_PACKAGES } from '../../../../src/cluster/images/debian-packages.ts';
import { oneLine } from '../../../../src/cluster/images/docker-cli.ts';
import { DEBIAN_BASE_IMAGE } from '../../../../src/cluster/images/names.ts';
import { NODE_VERSION } from '../../../../src/cluster/versions.ts';
import { NODE_DOCKERFILE, nodeHome } from '../../../../src/cluster/images/recipes/node.ts';
import { POSTGRES_DOCKERFILE, POSTGRES_ENTRYPOINT } from '../../../../src/cluster/images/recipes/postgres.ts';

describe('Debian-based images', { tags: ['001-FR-009'] }, () => {
  test('the base is a bookworm minbase from the given mirror, with host files removed', () => {
    expect(debootstrapArgs('bookworm', '/w/rootfs', 'http://m.example/debian')).toEqual([
      '--variant=minbase',
      '--include=ca-certificates',
      '--components=main',
      'bookworm',
      '/w/rootfs',
      'http://m.example/debian',
    ]);
    expect(ROOTFS_LEFTOVERS).toEqual(
      expect.arrayContaining(['etc/resolv.conf', 'etc/hostname', 'var/lib/apt/lists']),
    );
  });

  test('debootstrap progress shows stages, not packages', () => {
    expect(DEBOOTSTRAP_STAGE.test('I: Resolving dependencies of required packages...')).toBe(true);
    expect(DEBOOTSTRAP_STAGE.test('I: Configuring the base system...')).toBe(true);
    expect(DEBOOTSTRAP_STAGE.test('I: Installing core packages...')).toBe(true);
    expect(DEBOOTSTRAP_STAGE.test('I: Extracting adduser...')).toBe(false);
    expect(DEBOOTSTRAP_STAGE.test('I: Configuring libc6:amd64...')).toBe(false);
  });

  test('the node image: from the base, node user uid 1000, npm and npx linked', () => {
    expect(NODE_DOCKERFILE.startsWith(`FROM ${DEBIAN_BASE_IMAGE}\n`)).toBe(true);
    expect(NODE_DOCKERFILE).toContain('useradd --uid 1000 --gid node');
    expect(NODE_DOCKERFILE).toContain('ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm');
    expect(NODE_DOCKERFILE).toContain('ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx');
    expect(NODE_DOCKERFILE).toContain(`ENV NODE_VERSION=${NODE_VERSION}`);
    // A chmod in a RUN step would copy the whole node binary into another layer.
    expect(NODE_DOCKERFILE).not.toContain('chmod');
    expect(nodeHome('/c')).toBe(`/c/node/v${NODE_VERSION}`);
  });

  test('the postgres image: uid 999 created before the package, numeric USER, pg tools on PATH', () => {
    const groupadd = POSTGRES_DOCKERFILE.indexOf('groupadd --system --gid 999 postgres');
    const useradd = POSTGRES_DOCKERFILE.indexOf('useradd --system --uid 999 --gid 999');
    const install = POSTGRES_DOCKERFILE.indexOf('apt-get install');
    expect(groupadd).toBeGreaterThan(0);
    expect(useradd).toBeGreaterThan(groupadd);
    expect(install).toBeGreaterThan(useradd);
    expect(POSTGRES_DOCKERFILE).toContain('create_main_cluster = false');
    expect(POSTGRES_DOCKERFILE).toMatch(/^USER 999:999$/m);
    expect(POSTGRES_DOCKERFILE).toMatch(/^ENV PATH=\/usr\/lib\/postgresql\/15\/bin:/m);
    expect(POSTGRES_DOCKERFILE).toMatch(/^STOPSIGNAL SIGINT$/m);
  });

  test('the postgres entrypoint speaks the official interface and never prints the password', () => {
    for (const variable of [
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
      'POSTGRES_DB',
      'PGDATA',
      'POSTGRES_HOST_AUTH_METHOD',
    ]) {
      expect(POSTGRES_ENTRYPOINT).toContain(variable);
    }
    expect(POSTGRES_ENTRYPOINT).toContain('--auth-host="$POSTGRES_HOST_AUTH_METHOD"');
    expect(POSTGRES_ENTRYPOINT).toContain('POSTGRES_HOST_AUTH_METHOD:-scram-sha-256');
    expect(POSTGRES_ENTRYPOINT).toContain('--pwfile=<(printf \'%s\\n\' "$POSTGRES_PASSWORD")');
    // The password reaches initdb through a pipe only: no tracing, no echo, no log line with it.
    expect(POSTGRES_ENTRYPOINT).not.toMatch(/set -[a-zA-Z]*x/);
    const lines = POSTGRES_ENTRYPOINT.split('\n').filter((line) => line.includes('$POSTGRES_PASSWORD'));
    for (const line of lines) expect(line).not.toMatch(/\b(log|echo)\b/);
  });

  test('the installer learns every package the builds use', () => {
    const packages = IMAGE_DEBIAN_PACKAGES.map((p) => p.pkg);
    for (const pkg of ['docker.io', 'containerd', 'debootstrap', 'busybox-static', 'gcc', 'libc6-dev']) {
      expect(packages).toContain(pkg);
    }
  });

  test('long Dockerfile steps are shown on one short line', () => {
    expect(oneLine('Step 5/8 : RUN set -eux;     ln -s a b', 100)).toBe('Step 5/8 : RUN set -eux; ln -s a b');
    expect(oneLine('x'.repeat(150), 100)).toHaveLength(100);
  });
});
