#!/usr/bin/env bash
# Fetch the front-end files once from the npm registry, check each tarball against the integrity
# pinned here, and copy the file we serve plus its licence into static/vendor/ (committed).
# Re-run only to upgrade: change a version and its integrity, run, review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
out=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name version integrity file-in-package target
pins=(
  "htmx.org 2.0.11 sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA== package/dist/htmx.min.js htmx.min.js"
  "htmx-ext-sse 2.2.4 sha512-LJmxVhykyflBWgh5PvbRidcyuqMHlgfajmmzumvKctv9puvsufeH6OaejSMZTNTnEI8O2wXXn4ZZtBdpEMqmEQ== package/dist/sse.min.js sse.min.js"
  "axe-core 4.14.1 sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ== package/axe.min.js axe.min.js"
  # /docs (Swagger UI): its script and its stylesheet, served from here under script-src 'self'.
  "swagger-ui-dist 5.35.0 sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ== package/swagger-ui-bundle.js swagger-ui-bundle.js"
  "swagger-ui-dist 5.35.0 sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ== package/swagger-ui.css swagger-ui.css"
)

mkdir -p "$out"
for pin in "${pins[@]}"; do
  read -r name version integrity file target <<<"$pin"
  (cd "$work" && CI=true npm_config_loglevel=error npm pack "$name@$version" </dev/null >/dev/null)
  tarball=$(ls "$work"/*"$version".tgz)
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "checksum mismatch for $name@$version: $actual" >&2
    exit 1
  fi
  mkdir -p "$work/x" && tar -xzf "$tarball" -C "$work/x"
  cp "$work/x/$file" "$out/$target"
  licence=$(ls "$work/x/package/" | grep -iE '^licen[cs]e' | head -n1)
  cp "$work/x/package/$licence" "$out/${target%%.*}.LICENSE.txt"
  grep -qxF "$name@$version $integrity" "$work/versions" 2>/dev/null \
    || echo "$name@$version $integrity" >>"$work/versions"
  rm -rf "$work/x" "$tarball"
done
sort "$work/versions" >"$out/VERSIONS.txt"
echo "vendored into $out:"
cat "$out/VERSIONS.txt"
