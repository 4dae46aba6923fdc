#!/usr/bin/env bash
# S3 benchmarks (issue 9) against a moto server on 127.0.0.1, in one run:
#   1. small-commit latency against one bare conditional PUT to the same server
#      (dc-bench-s3 latency, interleaved rounds; goal: commit <= 2x the PUT);
#   2. commits per second with 1 and 8 writer processes, disjoint tables and one table
#      (dc-bench-s3 throughput);
#   3. a projected read (2 of 8 columns of a ~50 MB Parquet object): bytes fetched against
#      bytes needed, ours with the input's prefetch on and off (dc-bench-s3 read) beside
#      pyarrow's S3FileSystem on the same object (bench/s3_pyarrow.py).
# Prints markdown tables. moto is a Python server: its absolute latencies are moto's,
# not S3's; the ratios and the request and byte counts are what the figures are about.
#
#   DC_BENCH_BIN=build/release/bench bench/s3.sh
#
# Knobs: DC_BENCH_BIN (where dc-bench-s3 is; default build/release/bench), BENCH_PY
# (build/venv/bin/python, with pyarrow), BENCH_N (latency rounds, 200), BENCH_SECONDS
# (per throughput configuration, 5), BENCH_WRITERS ("1 8"), BENCH_ROWS (rows of the
# Parquet object, 800000: about 50 MB), BENCH_RUNS (timed reads each, best kept; 3),
# BENCH_BUCKET (dc-bench). Needs moto_server and pyarrow in build/venv
# (scripts/bootstrap.sh installs tests/oracles/requirements.txt there).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DC_BENCH_BIN:-build/release/bench}
PY=${BENCH_PY:-build/venv/bin/python}
N=${BENCH_N:-200}
SECONDS_EACH=${BENCH_SECONDS:-5}
WRITERS=${BENCH_WRITERS:-1 8}
ROWS=${BENCH_ROWS:-800000}
RUNS=${BENCH_RUNS:-3}
BUCKET=${BENCH_BUCKET:-dc-bench}

[ -x "$BIN/dc-bench-s3" ] || { echo "s3.sh: no $BIN/dc-bench-s3: build it (ninja dc-bench-s3) or set DC_BENCH_BIN" >&2; exit 1; }
[ -x "$PY" ] || { echo "s3.sh: no $PY: run scripts/bootstrap.sh or set BENCH_PY" >&2; exit 1; }

. tests/oracles/moto.sh
moto_start || exit 1
moto_bucket "$BUCKET"
URL="s3://$BUCKET/bench"

# jget JSON-LINE FIELD
jget() { "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "load before: $(uptime)"
echo "moto: $("$PY" -c 'import moto; print(moto.__version__)'), pyarrow: $("$PY" -c 'import pyarrow; print(pyarrow.__version__)')"
echo

echo "### Commit latency against one bare conditional PUT ($N interleaved rounds)"
echo
"$BIN/dc-bench-s3" latency "$URL" "$N" | grep -v '^json '
echo

echo "### Commits per second (${SECONDS_EACH} s per configuration)"
echo
echo "| writers | tables | commits/s | conflicts/s | requests per commit |"
echo "|---:|---|---:|---:|---:|"
for w in $WRITERS; do
  "$BIN/dc-bench-s3" throughput "$URL" "$SECONDS_EACH" "$w" | grep '^| [0-9]'
done
echo

echo "### Projected read: 2 of 8 columns, best of $RUNS"
echo
out=$("$BIN/dc-bench-s3" read "$URL" "$RUNS" "$ROWS")
echo "$out" | grep '^object '
on=$(echo "$out" | grep '^json .*"prefetch":true' | sed 's/^json //')
off=$(echo "$out" | grep '^json .*"prefetch":false' | sed 's/^json //')
key=$(jget "$on" key)
needed=$(( $(jget "$on" needed) + $(jget "$on" footer) ))
py=$(MOTO_LOG=$MOTO_LOG "$PY" bench/s3_pyarrow.py "$BUCKET/bench/$key" "$RUNS" c2,c5)
py_ms=$(echo "$py" | awk '$1 == "ms" {print $2}')
py_bytes=$(echo "$py" | awk '$1 == "bytes" {print $2}')
py_req=$(echo "$py" | awk '$1 == "requests" {print $2}')
py_rows=$(echo "$py" | awk '$1 == "rows" {print $2}')
[ "$py_rows" = "$ROWS" ] || { echo "s3.sh: pyarrow read $py_rows rows, not $ROWS" >&2; exit 1; }
echo
echo "| reader | best ms | bytes fetched | requests | fetched / needed | ms / pyarrow |"
echo "|---|---:|---:|---:|---:|---:|"
row() { # name ms bytes requests
  awk -v n="$1" -v ms="$2" -v b="$3" -v r="$4" -v need="$needed" -v p="$py_ms" \
    'BEGIN { printf "| %s | %.1f | %d | %d | %.3f | %.2f |\n", n, ms, b, r, b / need, ms / p }'
}
row "deltacat, prefetch on (default)" "$(jget "$on" ms)" "$(jget "$on" bytes)" "$(jget "$on" requests)"
row "deltacat, prefetch off" "$(jget "$off" ms)" "$(jget "$off" bytes)" "$(jget "$off" requests)"
row "pyarrow S3FileSystem (pre_buffer)" "$py_ms" "$py_bytes" "$py_req"
echo
echo "needed = the projected column chunks per the footer + the footer: $needed bytes;"
echo "pyarrow requests: $(echo "$py" | sed -n 's/^requests_detail //p')"
echo
echo "load after: $(uptime)"
set +e # moto_stop's kill of an exited server fails: not our failure
moto_stop
exit 0
