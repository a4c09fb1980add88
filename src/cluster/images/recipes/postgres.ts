// docker.io/library/postgres:15-bookworm, our equivalent: Debian's postgresql-15 on the Debian base,
// user `postgres` with uid/gid 999 (created before the package, as the official image does), and an
// entrypoint that speaks the official image's environment interface without ever needing root.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { POSTGRES_MAJOR } from '../../versions.ts';
import { buildImage } from '../docker-cli.ts';
import { DEBIAN_BASE_IMAGE, POSTGRES_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { debianBaseRecipe } from './debian-base.ts';

/**
 * The entrypoint. Official-image variables: POSTGRES_USER (default postgres), POSTGRES_PASSWORD
 * (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default: the user), PGDATA,
 * POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256), the *_FILE forms, and
 * scripts in /docker-entrypoint-initdb.d. The password is only ever passed through a pipe.
 */
export const POSTGRES_ENTRYPOINT = `#!/usr/bin/env bash
# Entry point of incluster's postgres:${POSTGRES_MAJOR}-bookworm image (see src/cluster/images/recipes/postgres.ts).
set -Eeuo pipefail

log() { printf '%s entrypoint: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

# Exports VAR from VAR or from the file VAR_FILE names (never both), else from the default.
file_env() {
  local var=$1 file_var="$1_FILE" default=\${2:-}
  if [ -n "\${!var:-}" ] && [ -n "\${!file_var:-}" ]; then
    log "error: both $var and $file_var are set (but are exclusive)"
    exit 1
  fi
  local value=$default
  if [ -n "\${!var:-}" ]; then
    value=\${!var}
  elif [ -n "\${!file_var:-}" ]; then
    value=$(<"\${!file_var}")
  fi
  export "$var"="$value"
  unset "$file_var"
}

psql_init() {
  psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --quiet --username "$POSTGRES_USER" "$@"
}

if [ "\${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

export PGDATA=\${PGDATA:-/var/lib/postgresql/data}
if [ "$(id -u)" = 0 ]; then
  # Started as root (docker run --user 0): give the data directory to postgres and drop to it.
  mkdir -p "$PGDATA"
  chown 999:999 "$PGDATA"
  chmod 700 "$PGDATA"
  exec setpriv --reuid=999 --regid=999 --init-groups "$0" "$@"
fi

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
export POSTGRES_HOST_AUTH_METHOD=\${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

# PostgreSQL must own its data directory and keep it at mode 0700. A volume Kubernetes mounts at
# PGDATA (an emptyDir with fsGroup) belongs to root, so the cluster then lives in a subdirectory.
if [ -d "$PGDATA" ] && [ ! -O "$PGDATA" ]; then
  if [ ! -w "$PGDATA" ]; then
    log "error: $PGDATA is neither owned by nor writable for uid $(id -u)"
    exit 1
  fi
  log "$PGDATA belongs to uid $(stat -c %u "$PGDATA"), not $(id -u): the cluster lives in $PGDATA/pgdata"
  export PGDATA="$PGDATA/pgdata"
fi
mkdir -p "$PGDATA"
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    log 'error: the database is uninitialized and POSTGRES_PASSWORD is not set'
    log '  set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value for the superuser,'
    log '  or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password'
    exit 1
  fi
  log "initializing a cluster in $PGDATA (superuser $POSTGRES_USER, database $POSTGRES_DB, host auth $POSTGRES_HOST_AUTH_METHOD)"
  initdb_args=(--username="$POSTGRES_USER" --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" --encoding=UTF8 --locale=C.UTF-8)
  # POSTGRES_INITDB_ARGS is a list of words, as in the official image.
  # shellcheck disable=SC2206
  initdb_args+=($POSTGRES_INITDB_ARGS)
  if [ -n "$POSTGRES_PASSWORD" ]; then
    initdb "\${initdb_args[@]}" --pwfile=<(printf '%s\\n' "$POSTGRES_PASSWORD") >/dev/null
  else
    initdb "\${initdb_args[@]}" >/dev/null
  fi
  printf '\\nhost all all all %s\\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

  # A server on the unix socket only, so nothing connects before initialization is complete.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p \${PGPORT:-5432}" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    psql_init --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        log "running $f"
        if [ -x "$f" ]; then "$f"; else . "$f"; fi
        ;;
      *.sql) log "running $f"; psql_init --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | psql_init --dbname "$POSTGRES_DB" ;;
      *) log "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  log 'initialization complete'
fi

unset POSTGRES_PASSWORD
exec "$@"
`;

/** The postgres image's Dockerfile; its build context holds docker-entrypoint.sh. */
export const POSTGRES_DOCKERFILE = `FROM ${DEBIAN_BASE_IMAGE}
RUN set -eux; \\
    groupadd --system --gid 999 postgres; \\
    useradd --system --uid 999 --gid 999 --home-dir /var/lib/postgresql --shell /bin/bash postgres; \\
    mkdir -p /var/lib/postgresql; \\
    chown postgres:postgres /var/lib/postgresql
RUN set -eux; \\
    mkdir -p /etc/postgresql-common/createcluster.d; \\
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/incluster.conf; \\
    apt-get update; \\
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-${POSTGRES_MAJOR}; \\
    rm -rf /var/lib/apt/lists/*; \\
    sed -ri "s!^#?(listen_addresses)\\s*=\\s*\\S+.*!\\1 = '*'!" /usr/share/postgresql/${POSTGRES_MAJOR}/postgresql.conf.sample; \\
    grep -F "listen_addresses = '*'" /usr/share/postgresql/${POSTGRES_MAJOR}/postgresql.conf.sample; \\
    test "$(id -u postgres):$(id -g postgres)" = 999:999
ENV PATH=/usr/lib/postgresql/${POSTGRES_MAJOR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    PGDATA=/var/lib/postgresql/data \\
    LANG=C.UTF-8
RUN set -eux; \\
    mkdir -p /var/run/postgresql /docker-entrypoint-initdb.d "$PGDATA"; \\
    chown postgres:postgres /var/run/postgresql "$PGDATA"; \\
    chmod 3777 /var/run/postgresql; \\
    chmod 1777 "$PGDATA"
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
USER 999:999
CMD ["postgres"]
`;

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
