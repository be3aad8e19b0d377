#!/usr/bin/env bash
# The TypeScript client's check (scripts/test runs it through `npm test`):
#   1. npm ci (exact, locked versions);
#   2. regenerate src/schema.d.ts from ../../openapi.yaml and fail if it differs from the
#      committed one (after changing the API: `npm run generate` here, and commit it);
#   3. tsc --noEmit (strict);
#   4. build the server, seed the demo into a temporary data directory, create a grants
#      manager with `constellate users create`, serve on 127.0.0.1 (a free port), wait for
#      /readyz;
#   5. walk the applicant journey twice with the typed client: against the demo's open
#      round (answering its form from its questions), then against a round the journey
#      creates and opens as the manager;
#   6. stop the server and remove everything it made.
set -euo pipefail
cd "$(dirname "$0")"
started=$(date +%s)
step() { printf -- "--- %s (%ss)\n" "$1" "$(($(date +%s) - started))"; }

tmp=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "src/schema.d.ts is what openapi-typescript makes of openapi.yaml"
npx --no-install openapi-typescript ../../openapi.yaml --output "$tmp/schema.d.ts" >/dev/null 2>&1 ||
  npx --no-install openapi-typescript ../../openapi.yaml --output "$tmp/schema.d.ts"
if ! diff -u src/schema.d.ts "$tmp/schema.d.ts" >"$tmp/schema.diff"; then
  head -n 40 "$tmp/schema.diff"
  echo "src/schema.d.ts is stale: run 'npm run generate' in clients/typescript and commit it"
  exit 1
fi

step "tsc --noEmit (strict)"
npx --no-install tsc --noEmit

step "build the journey and the server"
rm -rf dist
npx --no-install tsc --outDir dist
(cd ../.. && CGO_ENABLED=0 go build -o "$tmp/constellate" ./cmd/constellate)

step "a fresh data directory: the demo, and a grants manager"
export CONSTELLATE_DATA_DIR="$tmp/data"
export CONSTELLATE_ADDR="127.0.0.1:0" # the server picks a free port and logs its URL
unset DATABASE_URL
manager_email="journey-manager@example.org"
manager_password="a long journey manager passphrase"
"$tmp/constellate" seed --demo >/dev/null
printf '%s\n' "$manager_password" |
  "$tmp/constellate" users create --email "$manager_email" --name "Journey Manager" --role grants_manager

step "serve"
"$tmp/constellate" serve >"$tmp/server.log" 2>&1 &
server=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -o '"url":"http://[^"]*"' "$tmp/server.log" | head -n1 | cut -d'"' -f4 || true)
  if [ -n "$url" ] && node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url/readyz"; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$tmp/server.log"; echo "the server stopped"; exit 1
  fi
  url=""
  sleep 0.1
done
if [ -z "$url" ]; then
  cat "$tmp/server.log"; echo "the server did not become ready"; exit 1
fi
echo "ready at $url"

step "the journey, on the demo's open round"
CONSTELLATE_URL="$url" node dist/journey.js

step "the journey, on a round it creates as the grants manager"
CONSTELLATE_URL="$url" CONSTELLATE_MANAGER_EMAIL="$manager_email" CONSTELLATE_MANAGER_PASSWORD="$manager_password" \
  node dist/journey.js

printf 'TypeScript client checks passed in %ss\n' "$(($(date +%s) - started))"
