#!/usr/bin/env bash
# Entry point of incluster's postgres:@POSTGRES_MAJOR@-bookworm image (see src/cluster/images/recipes/postgres.ts).
set -Eeuo pipefail

log() { printf '%s entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

# Exports VAR from VAR or from the file VAR_FILE names (never both), else from the default.
file_env() {
  local var=$1 file_var="$1_FILE" default=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    log "error: both $var and $file_var are set (but are exclusive)"
    exit 1
  fi
  local value=$default
  if [ -n "${!var:-}" ]; then
    value=${!var}
  elif [ -n "${!file_var:-}" ]; then
    value=$(<"${!file_var}")
  fi
  export "$var"="$value"
  unset "$file_var"
}

psql_init() {
  psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --quiet --username "$POSTGRES_USER" "$@"
}

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

export PGDATA=${PGDATA:-/var/lib/postgresql/data}
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
export POSTGRES_HOST_AUTH_METHOD=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

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
    initdb "${initdb_args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") >/dev/null
  else
    initdb "${initdb_args[@]}" >/dev/null
  fi
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

  # A server on the unix socket only, so nothing connects before initialization is complete.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start >/dev/null
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
