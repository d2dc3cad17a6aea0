#!/usr/bin/env bash
# Print a PostgreSQL URL for the storage tests when a server answers on loopback, else nothing.
if [ -n "${TEST_POSTGRES_URL:-}" ]; then echo "$TEST_POSTGRES_URL"; exit 0; fi
host=${PGHOST_TEST:-127.0.0.1}
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$host" -p 5432 2>/dev/null; then
  echo "postgresql+asyncpg://postgres:${PGPASSWORD_TEST:-postgres}@$host:5432/postgres"
fi
