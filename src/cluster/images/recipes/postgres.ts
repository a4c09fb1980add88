// docker.io/library/postgres:15-bookworm, our equivalent: Debian's postgresql-15 on the Debian base,
// user `postgres` with uid/gid 999 (created before the package, as the official image does), and an
// entrypoint that speaks the official image's environment interface without ever needing root.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { POSTGRES_MAJOR } from '../../versions.ts';
import { buildImage } from '../docker-cli.ts';
import { DEBIAN_BASE_IMAGE, POSTGRES_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { sourceTemplate } from '../../../source-files.ts';
import { debianBaseRecipe } from './debian-base.ts';

/**
 * The entrypoint. Official-image variables: POSTGRES_USER (default postgres), POSTGRES_PASSWORD
 * (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default: the user), PGDATA,
 * POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256), the *_FILE forms, and
 * scripts in /docker-entrypoint-initdb.d. The password is only ever passed through a pipe.
 */
export const POSTGRES_ENTRYPOINT = sourceTemplate(import.meta.url, 'postgres/docker-entrypoint.sh', {
  POSTGRES_MAJOR,
});

/** The postgres image's Dockerfile; its build context holds docker-entrypoint.sh. */
export const POSTGRES_DOCKERFILE = sourceTemplate(import.meta.url, 'postgres/Dockerfile', {
  DEBIAN_BASE_IMAGE,
  POSTGRES_MAJOR,
});

/** The postgres image recipe. */
export const postgresRecipe: ImageRecipe = {
  image: POSTGRES_IMAGE,
  base: debianBaseRecipe,
  definition: () => [POSTGRES_DOCKERFILE, POSTGRES_ENTRYPOINT],
  async build(ctx) {
    const context = join(ctx.workDir, 'context');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), POSTGRES_DOCKERFILE);
    await writeFile(join(context, 'docker-entrypoint.sh'), POSTGRES_ENTRYPOINT);
    await chmod(join(context, 'docker-entrypoint.sh'), 0o755);
    await buildImage(ctx.docker, context, POSTGRES_IMAGE, ctx.key, {
      signal: ctx.signal,
      onStep: ctx.progress,
    });
  },
};
