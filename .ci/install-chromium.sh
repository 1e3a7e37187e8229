#!/usr/bin/env bash
# Installs Debian's Chromium for the back office's browser tests
# (examples/server/ui) when it is missing. .ci/run calls it before the tests
# and exports USERDESK_REQUIRE_BROWSER=1, so a machine without Chromium fails
# the browser tests instead of skipping them.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  echo "chromium: $(command -v chromium || command -v chromium-browser)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-liberation
command -v chromium
