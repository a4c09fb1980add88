// docker.io/library/redis:7.0-bookworm, our equivalent: Debian's redis-server on the Debian base,
// user `redis` with uid/gid 999 (created before the package, as the official image does), data in
// /data, `redis-server` and `redis-cli` on the PATH. The official image's entrypoint only drops root
// and chowns /data; this one starts as 999 and needs neither.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage } from '../docker-cli.ts';
import { DEBIAN_BASE_IMAGE, REDIS_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { debianBaseRecipe } from './debian-base.ts';

/** The redis image's Dockerfile. Debian's package config is replaced: the command line configures it. */
export const REDIS_DOCKERFILE = `FROM ${DEBIAN_BASE_IMAGE}
RUN set -eux; \\
    groupadd --system --gid 999 redis; \\
    useradd --system --uid 999 --gid 999 --home-dir /data --shell /usr/sbin/nologin redis; \\
    apt-get update; \\
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools; \\
    rm -rf /var/lib/apt/lists/*; \\
    redis-server --version; \\
    test "$(id -u redis):$(id -g redis)" = 999:999; \\
    mkdir -p /data; \\
    chown redis:redis /data
ENV LANG=C.UTF-8
WORKDIR /data
EXPOSE 6379
USER 999:999
CMD ["redis-server", "--protected-mode", "no"]
`;

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
