#!/usr/bin/env bash
# Refresh the JavaScript libraries vendored under dispatch_emu/runtime/js/vendor/ from
# their npm packages (npm pack: the published tarball, no install scripts run).
#
#   tools/refresh-vendored-js.sh            # the pinned versions below
#   WEB_STREAMS=4.3.0 tools/refresh-vendored-js.sh
#
# Each library keeps its LICENSE and a VERSION file beside its code. After a refresh, run
# tests/runtime/test_js_streams.py and tests/runtime/test_js_web_apis.py.
set -euo pipefail
WEB_STREAMS="${WEB_STREAMS:-4.3.0}"
URLPATTERN="${URLPATTERN:-10.1.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$here/dispatch_emu/runtime/js/vendor"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

fetch() {  # fetch PACKAGE VERSION DEST FILE...
  local package="$1" version="$2" dest="$3"
  shift 3
  (cd "$scratch" && npm pack --silent "$package@$version" >/dev/null)
  local tarball
  tarball="$(ls "$scratch"/*.tgz)"
  mkdir -p "$scratch/unpacked" "$vendor/$dest"
  tar xzf "$tarball" -C "$scratch/unpacked"
  for file in "$@"; do
    cp "$scratch/unpacked/package/$file" "$vendor/$dest/$(basename "$file")"
  done
  cp "$scratch/unpacked/package/LICENSE" "$vendor/$dest/LICENSE"
  echo "$package@$version" > "$vendor/$dest/VERSION"
  rm -rf "$scratch/unpacked" "$tarball"
  echo "vendored $package@$version into $vendor/$dest"
}

fetch web-streams-polyfill "$WEB_STREAMS" web-streams-polyfill dist/ponyfill.js
fetch urlpattern-polyfill "$URLPATTERN" urlpattern-polyfill dist/urlpattern.cjs
