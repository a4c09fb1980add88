// docker.io/library/python:3.11-slim-bookworm, our equivalent for pytest runners: Debian's python3
// on the Debian base. The official image builds CPython into /usr/local; Debian's lives in /usr/bin,
// so `python` and `python3` are linked into /usr/local/bin, where Dockerfiles written for the
// official image expect them. No pip: runner images install with uv (UV_IMAGE).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PYTHON_VERSION } from '../../versions.ts';
import { buildImage } from '../docker-cli.ts';
import { DEBIAN_BASE_IMAGE, PYTHON_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { sourceTemplate } from '../../../source-files.ts';
import { debianBaseRecipe } from './debian-base.ts';

/** The python image's Dockerfile; the version check fails the build if Debian moved to another minor. */
export const PYTHON_DOCKERFILE = sourceTemplate(import.meta.url, 'python/Dockerfile', {
  DEBIAN_BASE_IMAGE,
  PYTHON_VERSION,
});

/** The python image recipe. */
export const pythonRecipe: ImageRecipe = {
  image: PYTHON_IMAGE,
  base: debianBaseRecipe,
  definition: () => [PYTHON_DOCKERFILE],
  async build(ctx) {
    const context = join(ctx.workDir, 'context');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), PYTHON_DOCKERFILE);
    await buildImage(ctx.docker, context, PYTHON_IMAGE, ctx.key, {
      signal: ctx.signal,
      onStep: ctx.progress,
    });
  },
};
