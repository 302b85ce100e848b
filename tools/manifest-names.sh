#!/usr/bin/env bash
# Print the interposed names listed in preload/manifest.h, one per line, sorted.
set -euo pipefail
cd "$(dirname "$0")/.."
printf '#include "manifest.h"\n#define N(m, r, name, p, v) name\nGP_MANIFEST(N)\n' |
  cpp -P -Ipreload - | tr ' ' '\n' | grep -v '^$' | sort
