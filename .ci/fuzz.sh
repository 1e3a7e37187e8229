#!/usr/bin/env bash
# Runs every Fuzz target of the module for a short, fixed time
# (FUZZTIME, 10s by default). Targets are discovered with `go test -list`,
# so a new one is fuzzed on CI without editing this file. A crasher is
# written under the package's testdata/fuzz/ by `go test`; commit it: it
# then runs as a regression case in the plain `go test ./...`.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-10s}"
n=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  ls "$dir"/*_test.go >/dev/null 2>&1 || continue
  grep -q '^func Fuzz' "$dir"/*_test.go || continue
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
    echo "-- $pkg $target ($fuzztime)"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg"
    n=$((n + 1))
  done
done
echo "fuzzed $n targets"
[ "$n" -gt 0 ]
