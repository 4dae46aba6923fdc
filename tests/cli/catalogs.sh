#!/usr/bin/env bash
# End-to-end tests of named catalogs: the configuration file ($DELTACAT_CONFIG, else
# $XDG_CONFIG_HOME/deltacat/config.json, else ~/.config/deltacat/config.json),
# `deltacat catalog list|add|remove|default`, --catalog on every command.
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
err() { "$@" 2>&1 >/dev/null; }
has() { grep -qF -- "$1" && echo yes || echo no; }
unset DELTACAT_ROOT XDG_CONFIG_HOME
export HOME="$work/home" DELTACAT_CONFIG="$work/etc/deltacat.json"
mkdir -p "$work/run" && cd "$work/run"
printf 'id,name\n1,a\n2,b\n' > a.csv

check "no configuration yet" "no catalogs in $work/etc/deltacat.json (add one with 'deltacat catalog add NAME ROOT')" \
  "$("$DC" catalog list)"
check "add a catalog (creating it)" "added catalog prod in $work/etc/deltacat.json" "$("$DC" catalog add prod lakes/prod --init)"
check "the root was made absolute and the catalog created" "yes yes" \
  "$(has "\"root\": \"$work/run/lakes/prod\"" < "$work/etc/deltacat.json") $([ -f lakes/prod/_catalog.json ] && echo yes)"
check "the first is the default" "yes" "$(has '"default": "prod"' < "$work/etc/deltacat.json")"
"$DC" catalog add dev "$work/dev" >/dev/null
check "catalog list" "dev  $work/dev|prod  $work/run/lakes/prod  *" \
  "$("$DC" catalog list | tail -n +3 | sed 's/ *$//; s/   */  /g' | paste -sd'|')"
check "catalog list --json" "yes" \
  "$("$DC" catalog list --json | has "{\"name\":\"dev\",\"root\":\"$work/dev\",\"default\":false}")"
check "add a taken name: exists" "7" "$(code "$DC" catalog add dev /elsewhere)"
check "a bad name: invalid, file unchanged" "5 yes" \
  "$(cp "$work/etc/deltacat.json" saved; code "$DC" catalog add ../x /r) $(cmp -s saved "$work/etc/deltacat.json" && echo yes)"
check "add needs NAME ROOT" "2" "$(code "$DC" catalog add onlyname)"
check "unknown subcommand" "2" "$(code "$DC" catalog rename a b)"

# commands use the default catalog, or --catalog NAME
check "write to the default catalog (prod)" "0" "$(code "$DC" write users a.csv)"
check "it is in prod" "2" "$("$DC" read --catalog prod users --format csv | tail -n +2 | wc -l | tr -d ' ')"
check "dev is not created until used" "3" "$(code "$DC" read --catalog dev users)"
check "... and says how to create it" "yes" "$(err "$DC" read --catalog dev users | has 'catalog dev: ')"
check "write --catalog dev creates it" "0" "$(code "$DC" write --catalog dev users a.csv)"
check "history --catalog" "1" "$("$DC" history --catalog dev --json | grep -o '"version"' | wc -l | tr -d ' ')"
check "table, namespace, gc, txn take --catalog" "0 0 0 0" \
  "$(code "$DC" table list --catalog dev) $(code "$DC" namespace list --catalog dev) $(code "$DC" gc --catalog dev) $(code "$DC" txn --catalog dev - <<<'[{"op": "truncate", "table": "users"}]')"
check "the truncate went to dev only" "0 2" \
  "$("$DC" read --catalog dev users --format csv | tail -n +2 | wc -l | tr -d ' ') $("$DC" read --catalog prod users --format csv | tail -n +2 | wc -l | tr -d ' ')"
check "an unknown catalog: not found, naming the known ones" "3 yes" \
  "$(code "$DC" read --catalog nope users) $(err "$DC" read --catalog nope users | has 'no catalog named nope in '"$work"'/etc/deltacat.json (catalogs: dev, prod)')"
check "--root and --catalog together: usage" "2" "$(code "$DC" read --root x --catalog dev users)"
check "--root still wins over the configuration" "3" "$(code "$DC" read --root "$work/none" users)"
check "DELTACAT_ROOT wins over the configuration's default" "3" "$(DELTACAT_ROOT="$work/none" "$DC" read users 2>/dev/null; echo $?)"
check "default NAME" "0" "$(code "$DC" catalog default dev)"
check "now the default is dev" "0" "$("$DC" read users --format csv | tail -n +2 | wc -l | tr -d ' ')"
check "remove" "removed catalog dev in $work/etc/deltacat.json" "$("$DC" catalog remove dev)"
check "remove again: not found" "3" "$(code "$DC" catalog remove dev)"
check "the only catalog left is the default" "2" "$("$DC" read users --format csv | tail -n +2 | wc -l | tr -d ' ')"

# a relative root in the file is relative to the file; s3 settings are kept
cat > "$work/etc/deltacat.json" <<JSON
{"default": "rel", "catalogs": {"rel": {"root": "../run/lakes/prod"},
 "aws": {"root": "s3://bucket/prefix", "s3": {"region": "eu-west-1"}}}}
JSON
check "a relative root is relative to the configuration file" "2" "$("$DC" read users --format csv | tail -n +2 | wc -l | tr -d ' ')"
"$DC" catalog add extra "$work/extra" >/dev/null
check "editing keeps the s3 settings" "yes" "$(has '"region": "eu-west-1"' < "$work/etc/deltacat.json")"

# malformed configurations: a clear error naming the file, nothing written
printf '{"catalogs": {"a": {}}}' > "$work/etc/deltacat.json"
check "a catalog without a root: invalid" "5" "$(code "$DC" catalog list)"
check "... naming the file and the catalog" "yes" "$(err "$DC" catalog list | has "$work/etc/deltacat.json: catalog \"a\" needs a \"root\"")"
check "commands without --root fail the same way" "5" "$(code "$DC" table list)"
check "--root does not read the configuration" "0" "$(code "$DC" table list --root "$work/run/lakes/prod")"
printf '{"catalogs": ' > "$work/etc/deltacat.json"
check "not JSON: invalid" "5" "$(code "$DC" catalog add z /z)"
check "the broken file was not overwritten" '{"catalogs": ' "$(cat "$work/etc/deltacat.json")"

# the default location: $XDG_CONFIG_HOME, else ~/.config
unset DELTACAT_CONFIG
export XDG_CONFIG_HOME="$work/xdg"
"$DC" catalog add x "$work/x" >/dev/null
check "XDG_CONFIG_HOME" "yes" "$([ -f "$work/xdg/deltacat/config.json" ] && echo yes)"
unset XDG_CONFIG_HOME
"$DC" catalog add y "$work/y" >/dev/null
check "~/.config" "yes" "$([ -f "$work/home/.config/deltacat/config.json" ] && echo yes)"
check "help catalog has examples" "yes" "$("$DC" help catalog | has 'deltacat catalog add prod /data/lake --init')"

echo "cli catalogs: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
