import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseAppletList } from '../../../../src/cluster/images/recipes/busybox.ts';
import { goBuildFlags, goProgramDir } from '../../../../src/cluster/host/go-build.ts';
import { nextToBuild } from '../../../../src/cluster/images/builder.ts';
import {
  buildableImages,
  CLUSTER_IMAGES,
  CLUSTER_RECIPES,
  selectRecipes,
} from '../../../../src/cluster/images/catalogue.ts';
import { kubeadmImages } from '../../../../src/cluster/images/kind-node/names.ts';
import { COREDNS_PROGRAM } from '../../../../src/cluster/images/recipes/coredns.ts';
import {
  BUSYBOX_IMAGE,
  COREDNS_IMAGE,
  NODE_IMAGE,
  PAUSE_IMAGE,
  POSTGRES_IMAGE,
  PYTHON_IMAGE,
  REDIS_IMAGE,
  UV_IMAGE,
} from '../../../../src/cluster/images/names.ts';
import {
  COREDNS_VERSION,
  NODE_VERSION,
  PAUSE_VERSION,
  UV_VERSION,
} from '../../../../src/cluster/versions.ts';
import { pauseCompileArgs, PAUSE_C_SOURCE } from '../../../../src/cluster/images/recipes/pause.ts';
import { WORKFLOW_UV_VERSION } from '../../../../src/init/workflow.ts';
import { UV_VERSION as UV_TEST_VERSION } from '../../../support/uv.ts';
import { isStaticElf, passwdFiles } from '../../../../src/cluster/images/recipes/static-rootfs.ts';

describe('image recipes', { tags: ['001-FR-009'] }, () => {
  test('every cluster image has a recipe, under its exact name', () => {
    expect(CLUSTER_IMAGES).toEqual(CLUSTER_RECIPES.map((r) => r.image));
    expect([...CLUSTER_IMAGES].sort()).toEqual(
      [BUSYBOX_IMAGE, COREDNS_IMAGE, NODE_IMAGE, PAUSE_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE].sort(),
    );
    expect(CLUSTER_IMAGES.slice(0, 3)).toEqual([PAUSE_IMAGE, BUSYBOX_IMAGE, COREDNS_IMAGE]);
    expect(selectRecipes(['busybox:1.35']).map((r) => r.image)).toEqual(['docker.io/library/busybox:1.35']);
    expect(() => selectRecipes(['docker.io/library/redis:7'])).toThrow(/no local build recipe/);
  });

  test('the pytest runner bases are buildable on demand, not by every up', { tags: ['001-FR-111'] }, () => {
    expect(PYTHON_IMAGE).toBe('docker.io/library/python:3.11-slim-bookworm');
    expect(UV_IMAGE).toBe(`ghcr.io/astral-sh/uv:${UV_VERSION}`);
    expect(CLUSTER_IMAGES).not.toContain(PYTHON_IMAGE);
    expect(CLUSTER_IMAGES).not.toContain(UV_IMAGE);
    expect(selectRecipes(['python:3.11-slim-bookworm', UV_IMAGE]).map((r) => r.image)).toEqual([
      PYTHON_IMAGE,
      UV_IMAGE,
    ]);
    expect(buildableImages(['python:3.11-slim-bookworm', 'docker.io/library/alpine:3', NODE_IMAGE])).toEqual([
      'python:3.11-slim-bookworm',
      NODE_IMAGE,
    ]);
    // The init template builds FROM exactly these names (by default).
    const template = readFileSync(
      new URL('../../../../templates/init/testing/Dockerfile.pytest', import.meta.url),
      'utf8',
    );
    expect(template).toContain(`ARG PYTHON_IMAGE=${PYTHON_IMAGE}\n`);
    expect(template).toContain(`ARG UV_IMAGE=${UV_IMAGE}\n`);
    // The workflow init writes and the plugin's CI install the same uv.
    expect(WORKFLOW_UV_VERSION).toBe(UV_VERSION);
    expect(UV_TEST_VERSION).toBe(UV_VERSION);
    const ciScript = readFileSync(
      new URL('../../../../python/pytest-incluster/ci.sh', import.meta.url),
      'utf8',
    );
    expect(ciScript).toContain(`uv_version=${UV_VERSION}\n`);
  });

  test('an image still being prepared in the background is built after the ready ones', () => {
    const preparing = new Set(['coredns']);
    const ready = (name: string) => !preparing.has(name);
    expect(nextToBuild(['coredns', 'node', 'postgres'], ready)).toBe('node');
    expect(nextToBuild(['pause', 'coredns'], ready)).toBe('pause');
    // Only unready ones left: wait for the first.
    expect(nextToBuild(['coredns'], ready)).toBe('coredns');
    expect(() => nextToBuild([], ready)).toThrow(/nothing is pending/);
  });

  test('the node image carries the Node release pinned in .nvmrc', () => {
    const nvmrc = readFileSync(new URL('../../../../.nvmrc', import.meta.url), 'utf8').trim();
    expect(NODE_VERSION).toBe(nvmrc.replace(/^v/, ''));
  });

  test('pause is compiled static, reports its version and handles the stop signals and children', () => {
    expect(PAUSE_IMAGE).toBe(`registry.k8s.io/pause:${PAUSE_VERSION}`);
    expect(pauseCompileArgs('p.c', 'out')).toEqual([
      '-static',
      '-O2',
      '-s',
      '-Wall',
      '-Wextra',
      '-Werror',
      `-DPAUSE_VERSION="${PAUSE_VERSION}"`,
      '-o',
      'out',
      'p.c',
    ]);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGCHLD']) expect(PAUSE_C_SOURCE).toContain(signal);
    expect(PAUSE_C_SOURCE).toContain('waitpid(-1, NULL, WNOHANG)');
    expect(PAUSE_C_SOURCE).toContain('PAUSE_VERSION');
  });

  test('CoreDNS is a static go install of the pinned version, cached by version and build flags', () => {
    expect(COREDNS_IMAGE).toBe(`registry.k8s.io/coredns/coredns:v${COREDNS_VERSION}`);
    expect(COREDNS_PROGRAM).toMatchObject({ version: `v${COREDNS_VERSION}`, source: { kind: 'install' } });
    expect(goBuildFlags(COREDNS_PROGRAM)).toEqual(['-trimpath', '-ldflags', '-s -w']);
    expect(goProgramDir('/c', COREDNS_PROGRAM)).toMatch(
      new RegExp(`^/c/coredns/v${COREDNS_VERSION}/[0-9a-f]{16}$`),
    );
  });

  test(
    'one CoreDNS and one pause for both providers: the names kubeadm asks for',
    { tags: ['001-FR-154'] },
    () => {
      expect(kubeadmImages().coredns).toBe(COREDNS_IMAGE);
      expect(kubeadmImages().pause).toBe(PAUSE_IMAGE);
    },
  );

  test('busybox applet links exclude the binary itself and paths', () => {
    expect(parseAppletList('[\n[[\nbusybox\nsh\nwget\n\n')).toEqual(['[', '[[', 'sh', 'wget']);
  });

  test('minimal passwd and group files', () => {
    expect(
      passwdFiles([{ name: 'nonroot', uid: 65532, home: '/home/nonroot', shell: '/sbin/nologin' }]),
    ).toEqual({
      passwd: 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
      group: 'nonroot:x:65532:\n',
    });
  });
});

describe('static executables', { tags: ['001-FR-009'] }, () => {
  /** A minimal ELF64 little-endian header with the given program header types. */
  function elf(types: number[]): Buffer {
    const phoff = 64;
    const buffer = Buffer.alloc(phoff + 56 * types.length);
    buffer.writeUInt32BE(0x7f454c46, 0);
    buffer[4] = 2;
    buffer[5] = 1;
    buffer.writeBigUInt64LE(BigInt(phoff), 0x20);
    buffer.writeUInt16LE(56, 0x36);
    buffer.writeUInt16LE(types.length, 0x38);
    types.forEach((type, i) => buffer.writeUInt32LE(type, phoff + i * 56));
    return buffer;
  }

  test('an executable with a program interpreter is dynamic', () => {
    expect(isStaticElf(elf([6, 3, 1]))).toBe(false);
    expect(isStaticElf(elf([1, 1, 4]))).toBe(true);
  });

  test('anything that is not a well-formed ELF64 is not static', () => {
    expect(isStaticElf(Buffer.from('#!/bin/sh\necho hi\n'))).toBe(false);
    const truncated = elf([1]).subarray(0, 80);
    expect(isStaticElf(truncated)).toBe(false);
  });
});
