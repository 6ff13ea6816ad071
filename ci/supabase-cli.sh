#!/usr/bin/env bash
# Install the pinned Supabase CLI from the npm registry into a cache directory (once) and print the
# path of its `supabase` binary. Idempotent and quiet; the migration-history tests
# (tests/test_supabase_cli.py) find it there, or wherever $SAMIA_SUPABASE_CLI points.
#   export SAMIA_SUPABASE_CLI="$(bash ci/supabase-cli.sh)"
# Newer CLI releases may not install here; the version is pinned on purpose.
set -euo pipefail
version="${SAMIA_SUPABASE_CLI_VERSION:-2.117.0}"
cache="${SAMIA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/samia}"
prefix="$cache/supabase-cli-$version"
bin="$prefix/node_modules/.bin/supabase"
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "$version" ]; then
  echo "$bin"
  exit 0
fi
command -v npm >/dev/null || { echo "ci/supabase-cli.sh: npm not found (install Node.js 20+)" >&2; exit 1; }
mkdir -p "$prefix"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! npm install --prefix "$prefix" --save-exact --no-audit --no-fund --loglevel=error "supabase@$version" >"$log" 2>&1; then
  tail -20 "$log" >&2
  echo "ci/supabase-cli.sh: npm install supabase@$version failed" >&2
  exit 1
fi
if [ "$("$bin" --version 2>/dev/null)" != "$version" ]; then
  echo "ci/supabase-cli.sh: $bin does not report version $version" >&2
  exit 1
fi
echo "$bin"
