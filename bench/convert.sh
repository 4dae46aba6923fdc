#!/usr/bin/env bash
# convert.sh: CSV to JSON Lines, deltacat against DuckDB on the same files in the same run.
#
#   bench/convert.sh                      # from the repository root, after a release build
#   DC_BIN=build-release/deltacat BENCH_ROWS="100000" bench/convert.sh
#
# Environment:
#   DC_BIN        the deltacat binary (default ./build/release/deltacat)
#   DC_BENCH_GEN  the generator (default: bench/dc-bench-gen beside DC_BIN)
#   BENCH_ROWS    row counts to run (default "1000000 10000000")
#   BENCH_DIR     work folder for the data (default build/bench-data)
#   BENCH_RUNS    runs of each engine per size, alternating (default 3)
#   BENCH_SEED    generator seed (default 42)
#   BENCH_SYNC    1 (default): `sync` before every timed run, so that neither engine pays
#                 for writing back the other's output; 0 to skip
#
# For each size it generates the mixed-schema CSV once (dc-bench-gen; kept between runs
# of this script, regenerated when the size or seed changes), then alternates
# `deltacat convert in.csv out.jsonl` and DuckDB's
# `COPY (SELECT * FROM read_csv('in.csv')) TO 'out.jsonl' (FORMAT json)`, BENCH_RUNS times
# each, and checks that both outputs have one line per input row. Our time is the wall
# time of the whole process; DuckDB's is the statement alone (bench/duckdb_run.mjs starts
# DuckDB before the clock starts), which favours DuckDB slightly. CPU time (user +
# system, all threads) is reported beside: it depends less on the disk and on the other
# processes of the machine. Progress goes to standard error; the markdown table for
# docs/BENCHMARKS.md to standard output.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

DC_BIN=${DC_BIN:-./build/release/deltacat}
BENCH_ROWS=${BENCH_ROWS:-"1000000 10000000"}
BENCH_DIR=${BENCH_DIR:-build/bench-data}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_SEED=${BENCH_SEED:-42}
BENCH_SYNC=${BENCH_SYNC:-1}
DC_BENCH_GEN=${DC_BENCH_GEN:-$(dirname "$DC_BIN")/bench/dc-bench-gen}

die() { echo "convert.sh: $*" >&2; exit 1; }
log() { echo "$*" >&2; }

[[ -x $DC_BIN ]] ||
    die "no deltacat binary at $DC_BIN: build it (cmake --build build/release) or set DC_BIN"
[[ -x $DC_BENCH_GEN ]] ||
    die "no generator at $DC_BENCH_GEN: build the dc-bench-gen target or set DC_BENCH_GEN"
command -v node >/dev/null || die "node is not on PATH (DuckDB runs through @duckdb/node-api)"
[[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$BENCH_RUNS'"
if [[ ! -d tests/oracles/node_modules/@duckdb/node-api ]]; then
    log "installing DuckDB: npm install --prefix tests/oracles"
    npm install --prefix tests/oracles >&2 || die "npm install --prefix tests/oracles failed"
fi
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

# Peak RSS: GNU time when present, else a tiny python wrapper reading getrusage.
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M true >/dev/null 2>&1; then
    rss_mode=gnutime
elif command -v python3 >/dev/null; then
    rss_mode=python
else
    rss_mode=none
fi

now_ns() { date +%s%N; }

settle() { if [[ $BENCH_SYNC == 1 ]]; then sync; fi; }

# run_ours IN OUT: run deltacat convert; sets ours_s (wall seconds), ours_cpu (user +
# system seconds) and ours_kb (peak RSS, KiB; 0 when it cannot be measured).
run_ours() {
    local in=$1 out=$2 t0 t1 rssf="$BENCH_DIR/rss.txt"
    rm -f "$out"
    settle
    t0=$(now_ns)
    case $rss_mode in
    gnutime) /usr/bin/time -o "$rssf" -f '%M %U %S' "$DC_BIN" convert "$in" "$out" >&2 ;;
    python)
        python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=sys.stderr)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%d %.2f %.2f\n" % (u.ru_maxrss, u.ru_utime, u.ru_stime))
sys.exit(rc)' "$rssf" "$DC_BIN" convert "$in" "$out" ;;
    none) "$DC_BIN" convert "$in" "$out" >&2 && echo "0 0 0" >"$rssf" ;;
    esac || die "deltacat convert $in $out failed"
    t1=$(now_ns)
    ours_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    read -r ours_kb u s < <(tail -n 1 "$rssf")
    ours_cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}

# run_duckdb IN OUT: DuckDB's COPY of the same file; sets duck_s and duck_cpu.
run_duckdb() {
    local in=$1 out=$2 res
    rm -f "$out"
    settle
    res=$(node bench/duckdb_run.mjs \
        "COPY (SELECT * FROM read_csv('$in')) TO '$out' (FORMAT json)") ||
        die "DuckDB's COPY of $in failed"
    duck_s=$(awk '$1 == "ms" { printf "%.3f", $2 / 1000 }' <<<"$res")
    duck_cpu=$(awk '$1 == "cpu_ms" { printf "%.2f", $2 / 1000 }' <<<"$res")
}

best() { tr ' ' '\n' <<<"$1" | grep . | sort -g | head -n 1; }
median() {
    local n
    n=$(tr ' ' '\n' <<<"$1" | grep -c .)
    tr ' ' '\n' <<<"$1" | grep . | sort -g | awk -v n="$n" '
        { v[NR] = $1 }
        END {
            if (n % 2) printf "%.3f", v[(n + 1) / 2]
            else printf "%.3f", (v[n / 2] + v[n / 2 + 1]) / 2
        }'
}
human_rows() {
    awk -v n="$1" 'BEGIN {
        if (n >= 1e6 && n % 1e6 == 0) printf "%dM", n / 1e6
        else if (n >= 1e3 && n % 1e3 == 0) printf "%dk", n / 1e3
        else printf "%d", n }'
}

info=$(node bench/duckdb_run.mjs --info "SELECT 1") || die "cannot run DuckDB through node"
duck_threads=$(awk '$1 == "threads" { print $2 }' <<<"$info")
duck_version=$(awk '$1 == "version" { print $2 }' <<<"$info")
dc_version=$("$DC_BIN" --version 2>/dev/null | head -n 1 || echo "deltacat ?")

rows_table=()
for n in $BENCH_ROWS; do
    [[ $n =~ ^[0-9]+$ ]] || die "BENCH_ROWS holds '$n', not a row count"
    in="$BENCH_DIR/mixed-$n.csv"
    stamp="$BENCH_DIR/mixed-$n.csv.seed"
    if [[ ! -s $in || ! -f $stamp || $(cat "$stamp") != "$BENCH_SEED" ]]; then
        log "generating $in ($n rows, seed $BENCH_SEED)"
        rm -f "$stamp"
        "$DC_BENCH_GEN" --rows "$n" --seed "$BENCH_SEED" --format csv -o "$in" ||
            die "dc-bench-gen failed for $n rows"
        echo "$BENCH_SEED" >"$stamp"
    fi
    size_mb=$(awk -v b="$(stat -c %s "$in")" 'BEGIN { printf "%.1f", b / 1048576 }')
    ours_out="$BENCH_DIR/mixed-$n.deltacat.jsonl"
    duck_out="$BENCH_DIR/mixed-$n.duckdb.jsonl"
    ours_all="" duck_all="" ours_cpus="" duck_cpus="" peak_kb=0
    for ((r = 1; r <= BENCH_RUNS; r++)); do
        run_ours "$in" "$ours_out"
        run_duckdb "$in" "$duck_out"
        log "$n rows, run $r: deltacat ${ours_s}s (CPU ${ours_cpu}s, peak RSS ${ours_kb} KiB)," \
            "DuckDB ${duck_s}s (CPU ${duck_cpu}s)"
        ours_all+=" $ours_s"
        duck_all+=" $duck_s"
        ours_cpus+=" $ours_cpu"
        duck_cpus+=" $duck_cpu"
        ((ours_kb > peak_kb)) && peak_kb=$ours_kb
    done
    ours_lines=$(wc -l <"$ours_out")
    duck_lines=$(wc -l <"$duck_out")
    if [[ $ours_lines -ne $n || $duck_lines -ne $n ]]; then
        die "row counts differ for $n rows: deltacat wrote $ours_lines lines, DuckDB $duck_lines"
    fi
    ob=$(best "$ours_all") om=$(median "$ours_all")
    db=$(best "$duck_all") dm=$(median "$duck_all")
    ratio_b=$(awk -v a="$ob" -v b="$db" 'BEGIN { printf "%.2f", a / b }')
    ratio_m=$(awk -v a="$om" -v b="$dm" 'BEGIN { printf "%.2f", a / b }')
    if [[ $rss_mode == none ]]; then
        rss="n/a"
    else
        rss=$(awk -v k="$peak_kb" 'BEGIN { printf "%.0f", k / 1024 }')
    fi
    oc=$(median "$ours_cpus") dc=$(median "$duck_cpus")
    row="| $(human_rows "$n") | $size_mb | $ob | $om | $db | $dm | $ratio_b | $ratio_m"
    rows_table+=("$row | $oc | $dc | $rss | $ours_lines = $duck_lines |")
    rm -f "$ours_out" "$duck_out" "$BENCH_DIR/rss.txt"
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo "?")
echo "CSV to JSON Lines, mixed schema (dc-bench-gen --seed $BENCH_SEED), best and median of"
echo "$BENCH_RUNS alternating runs; $dc_version, DuckDB $duck_version (threads = $duck_threads);"
echo "$(nproc) cores ($cpu). Wall times in seconds; ratio = deltacat / DuckDB (below 1: we are"
echo "faster); CPU = user + system seconds, all threads, median run."
echo
echo "| rows | CSV MiB | deltacat best | deltacat median | DuckDB best | DuckDB median |" \
    "ratio best | ratio median | deltacat CPU | DuckDB CPU | deltacat peak RSS MiB |" \
    "lines out (ours = DuckDB) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows_table[@]}"
