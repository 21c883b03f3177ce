# Sourced by the scripts that need PostgreSQL 15: starts the cluster when it is installed and
# down, and prepares the test role. `start_postgres` fails when PostgreSQL is not installed.

PG_USER=guanxi_test
PG_PASS=guanxi_test
PG_PORT=${GUANXI_TEST_PG_PORT:-5432}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -n -u postgres sh -c "$1"; fi
}

start_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /etc/postgresql/15/main ]; then
    echo "PostgreSQL 15 is not installed here." >&2
    return 1
  fi
  if ! pg_lsclusters 2>/dev/null | grep -q '^15 \+main .*online'; then
    if [ "$(id -u)" = 0 ]; then
      pg_ctlcluster 15 main start
    else
      sudo -n pg_ctlcluster 15 main start
    fi
  fi
  for _ in $(seq 1 30); do
    as_postgres "psql -p $PG_PORT -qAtc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
  done
  as_postgres "psql -p $PG_PORT -qAtc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASS'; END IF; END \\\$\\\$;\"" >/dev/null
  # Test databases from earlier runs are dropped so they do not pile up.
  for db in $(as_postgres "psql -p $PG_PORT -qAtc \"SELECT datname FROM pg_database WHERE datname LIKE 'gx\\_%'\""); do
    as_postgres "psql -p $PG_PORT -qAtc 'DROP DATABASE IF EXISTS $db'" >/dev/null
  done
  return 0
}

