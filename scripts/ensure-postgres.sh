#!/usr/bin/env bash
# Make sure the local PostgreSQL answers and holds the test database.
#
# On success prints the SQLAlchemy URL of the test database on stdout (the only
# stdout line); everything else goes to stderr. If PostgreSQL cannot be reached:
# with CI=true exits 1, otherwise warns loudly and exits 0 with no URL printed,
# so the PostgreSQL tests are skipped.
set -uo pipefail

HOST="${PGHOST_TEST:-127.0.0.1}"
PORT="${PGPORT_TEST:-5432}"
USER_NAME="${PGUSER_TEST:-postgres}"
DB="${KINERJA_TEST_DB:-kinerja_test}"
URL="postgresql+psycopg://${USER_NAME}@${HOST}:${PORT}/${DB}"

log() { printf '%s\n' "$*" >&2; }

unavailable() {
    local why="$1"
    if [[ "${CI:-}" == "true" ]]; then
        log ""
        log "###############################################################"
        log "## ERROR: PostgreSQL is required on CI and is not available. ##"
        log "###############################################################"
        log "## ${why}"
        log "## The event store must be tested on PostgreSQL as well as SQLite."
        log "###############################################################"
        exit 1
    fi
    log ""
    log "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    log "!! WARNING: PostgreSQL is NOT available.                      !!"
    log "!! The PostgreSQL event-store tests will be SKIPPED;          !!"
    log "!! only the SQLite backend is tested in this run.             !!"
    log "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    log "!! ${why}"
    log "!! Start PostgreSQL on ${HOST}:${PORT} (trust auth, user ${USER_NAME})"
    log "!! and run 'make test' again."
    log "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    log ""
    exit 0
}

if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
    unavailable "The PostgreSQL client tools (pg_isready, psql) are not installed."
fi

ready() { pg_isready -q -h "$HOST" -p "$PORT" -t 3; }

if ! ready; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [[ -d /etc/postgresql ]]; then
        for version in $(ls /etc/postgresql); do
            log "PostgreSQL not answering on ${HOST}:${PORT}; starting cluster ${version}/main ..."
            pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
        done
        for _ in $(seq 1 20); do
            ready && break
            sleep 0.5
        done
    fi
    ready || unavailable "Nothing answers on ${HOST}:${PORT} (pg_isready failed, and it could not be started)."
fi

exists="$(psql -h "$HOST" -p "$PORT" -U "$USER_NAME" -d postgres -Atc \
    "SELECT 1 FROM pg_database WHERE datname='${DB}'" 2>&1)" \
    || unavailable "Cannot query ${HOST}:${PORT} as ${USER_NAME}: ${exists}"
if [[ "$exists" != "1" ]]; then
    log "Creating database ${DB} ..."
    createdb -h "$HOST" -p "$PORT" -U "$USER_NAME" "$DB" >&2 \
        || unavailable "Could not create database ${DB} on ${HOST}:${PORT}."
fi

echo "$URL"
