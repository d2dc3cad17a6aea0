#!/usr/bin/env bash
# Print a Redis URL for the update-claim tests when a server answers on loopback, else nothing. Database 15 is the
# tests' own; they delete only keys under their own random prefix.
if [ -n "${TEST_REDIS_URL:-}" ]; then echo "$TEST_REDIS_URL"; exit 0; fi
host=${REDIS_HOST_TEST:-127.0.0.1}
if command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h "$host" -p 6379 ping 2>/dev/null)" = "PONG" ]; then
  echo "redis://$host:6379/15"
fi
