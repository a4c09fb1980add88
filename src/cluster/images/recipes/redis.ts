// docker.io/library/redis:7.0-bookworm, our equivalent: Debian's redis-server on the Debian base,
// user `redis` with uid/gid 999 (created before the package, as the official image does), data in
// /data, `redis-server` and `redis-cli` on the PATH. The official image's entrypoint only drops root
// and chowns /data; this one starts as 999 and needs neither.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage } from '../docker-cli.ts';
import { DEBIAN_BASE_IMAGE, REDIS_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { sourceTemplate } from '../../../source-files.ts';
import { debianBaseRecipe } from './debian-base.ts';

/** The redis image's Dockerfile. Debian's package config is replaced: the command line configures it. */
export const REDIS_DOCKERFILE = sourceTemplate(import.meta.url, 'redis/Dockerfile', { DEBIAN_BASE_IMAGE });

/** The redis image recipe. */
export const redisRecipe: ImageRecipe = {
  image: REDIS_IMAGE,
  base: debianBaseRecipe,
  definition: () => [REDIS_DOCKERFILE],
  async build(ctx) {
    const context = join(ctx.workDir, 'context');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), REDIS_DOCKERFILE);
    await buildImage(ctx.docker, context, REDIS_IMAGE, ctx.key, { signal: ctx.signal, onStep: ctx.progress });
  },
};
