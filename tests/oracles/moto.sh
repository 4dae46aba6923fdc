# moto.sh: start a moto S3 server on 127.0.0.1 for a shell test or a benchmark. Source it:
#
#   . "$DC_SOURCE_DIR/tests/oracles/moto.sh"
#   moto_start || exit 1          # or: moto_start || { echo "SKIP: $MOTO_WHY"; exit 77; }
#   moto_bucket mybucket          # create a bucket
#   ... s3://mybucket/prefix ...  # the AWS_* variables below point every client at moto
#   moto_stop                     # also done at exit by moto_start's trap (chained)
#
# moto_server comes from $DC_MOTO_SERVER, else $DC_SOURCE_DIR/build/venv/bin/moto_server
# (scripts/bootstrap.sh installs tests/oracles/requirements.txt there). moto_start picks a
# free port, exports MOTO_ENDPOINT, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY and AWS_REGION (unsetting AWS_PROFILE, AWS_SESSION_TOKEN and
# AWS_ENDPOINT_URL_S3 so nothing of the caller's real AWS setup is used), and waits until
# the server answers. Parts of multipart uploads may be as small as 64 KiB (fast tests).

moto_start() {
  local src=${DC_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
  local bin=${DC_MOTO_SERVER:-$src/build/venv/bin/moto_server}
  MOTO_WHY=
  if [ ! -x "$bin" ]; then
    MOTO_WHY="moto_server not found at $bin: run scripts/bootstrap.sh (it installs tests/oracles/requirements.txt into build/venv), or set DC_MOTO_SERVER"
    echo "moto: $MOTO_WHY" >&2
    return 1
  fi
  local try port
  for try in 1 2 3; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    MOTO_LOG=$(mktemp "${TMPDIR:-/tmp}/dc-moto.XXXXXX")
    S3_UPLOAD_PART_MIN_SIZE=65536 "$bin" -H 127.0.0.1 -p "$port" >"$MOTO_LOG" 2>&1 &
    MOTO_PID=$!
    local i
    for i in $(seq 1 600); do # up to 60 s
      if ! kill -0 "$MOTO_PID" 2>/dev/null; then break; fi
      if curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/"; then
        export MOTO_ENDPOINT="http://127.0.0.1:$port"
        export AWS_ENDPOINT_URL=$MOTO_ENDPOINT AWS_ACCESS_KEY_ID=AKIAMOTOTEST
        export AWS_SECRET_ACCESS_KEY=moto-any-secret AWS_REGION=us-east-1
        unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_DEFAULT_REGION
        # keep any EXIT trap the caller set, and stop moto after it
        local prev
        prev=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
        trap "${prev:+$prev; }moto_stop" EXIT
        return 0
      fi
      sleep 0.1
    done
    kill -KILL "$MOTO_PID" 2>/dev/null; wait "$MOTO_PID" 2>/dev/null
    MOTO_PID=
  done
  MOTO_WHY="moto_server ($bin) did not start; see $MOTO_LOG"
  echo "moto: $MOTO_WHY" >&2
  return 1
}

moto_stop() {
  if [ -n "${MOTO_PID:-}" ]; then
    kill -TERM "$MOTO_PID" 2>/dev/null
    local i
    for i in $(seq 1 50); do kill -0 "$MOTO_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$MOTO_PID" 2>/dev/null
    wait "$MOTO_PID" 2>/dev/null
    MOTO_PID=
  fi
  [ -n "${MOTO_LOG:-}" ] && rm -f "$MOTO_LOG"
  MOTO_LOG=
}

# Create a bucket (3 to 63 characters; a plain PUT: moto checks no signature unless told to).
moto_bucket() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$MOTO_ENDPOINT/$1")
  [ "$code" = 200 ] || { echo "moto: creating bucket $1 answered HTTP $code" >&2; return 1; }
}
