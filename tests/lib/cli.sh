# tests/lib/cli.sh: what every end-to-end test of the command (tests/cli/*.sh) starts
# with. Source it; it sets DC (the deltacat binary, from DC_BIN), work (a fresh
# directory, removed at exit: add to the EXIT trap with `trap '...; rm -rf "$work"' EXIT`
# if you need one of your own) and the counters, and defines
#   check NAME EXPECTED ACTUAL   count a check, print a FAIL with both texts if they differ
#   code CMD...                  run CMD silently, print its exit code
#   finish LABEL                 print "LABEL: P passed, F failed" and succeed when F is 0
DC=${DC_BIN:?set DC_BIN to the deltacat binary}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
failures=0; checks=0
check() { # name, expected, actual
  checks=$((checks + 1))
  if [ "$2" != "$3" ]; then
    failures=$((failures + 1))
    printf 'FAIL %s\n--- expected\n%s\n--- got\n%s\n' "$1" "$2" "$3"
  fi
}
code() { "$@" >/dev/null 2>&1; echo $?; }
finish() {
  echo "$1: $((checks - failures)) passed, $failures failed"
  [ "$failures" -eq 0 ]
}
