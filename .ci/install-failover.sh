#!/usr/bin/env bash
# Installs Debian's pg_auto_failover (pg_autoctl and the monitor's
# PostgreSQL 15 extension) for the failover test (examples/failover) when it
# is missing. .ci/run calls it before that test, which fails (not skips)
# without them.
set -euo pipefail
if command -v pg_autoctl >/dev/null 2>&1 && ls /usr/lib/postgresql/*/lib/pgautofailover.so >/dev/null 2>&1; then
  echo "pg_auto_failover: $(command -v pg_autoctl), $(ls /usr/lib/postgresql/*/lib/pgautofailover.so | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends pg-auto-failover-cli postgresql-15-auto-failover
command -v pg_autoctl
