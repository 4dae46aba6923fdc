#!/usr/bin/env bash
# Every function the public headers declare is referenced by tests/api/headers.c (which
# takes each one's address, so the test proves it links): a new public function without
# a line there fails here, naming it.
set -uo pipefail
src=${DC_SOURCE_DIR:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for h in "$src"/include/deltacat/*.h; do echo "#include <deltacat/$(basename "$h")>"; done |
  clang-14 -E -P -I"$src/include" -x c - -o "$work/pp.c" || { echo "complete: headers do not preprocess"; exit 1; }
python3 "$src/tests/api/public_functions.py" "$work/pp.c" > "$work/declared"
n=$(wc -l < "$work/declared")
[ "$n" -gt 100 ] || { echo "complete: only $n public functions found: the scan is broken"; exit 1; }
missing=0
while read -r f; do
  grep -qw "$f" "$src/tests/api/headers.c" || { echo "complete: $f is public but not in tests/api/headers.c"; missing=$((missing + 1)); }
done < "$work/declared"
echo "complete: $n public functions, $missing missing from headers.c"
[ "$missing" = 0 ]
