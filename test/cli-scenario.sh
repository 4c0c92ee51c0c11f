# Shared by the AWS CLI scenario scripts (source it): starts a fresh ecslite on a free port with the
# virtual clock and the zero-delay mode, and defines show/run/refused/expect/settle/advance and NET (an awsvpc configuration).
# ROOT must be set by the caller.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_DEFAULT_OUTPUT=json AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS

PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')
URL="http://127.0.0.1:$PORT"
LOG=$(mktemp)
node "$ROOT/dist/src/cli.js" --in-memory --clock virtual --port "$PORT" --task-step-ms 0 --log-level error --check-responses >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$LOG" && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$LOG" >&2; echo "FAIL: ecslite did not start" >&2; exit 1; }
  sleep 0.1
done
grep -q "listening on" "$LOG" || { echo "FAIL: ecslite did not start within 10 s" >&2; exit 1; }
echo "# ecslite: node dist/src/cli.js --in-memory --clock virtual --port $PORT --task-step-ms 0 --check-responses; $(aws --version 2>&1)"

# The command line as typed: arguments with shell characters in single quotes.
show() {
  local line="\$ aws" a
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=,@+%-]+$ ]]; then line+=" $a"; else line+=" '${a//\'/\'\\\'\'}'"; fi
  done
  echo "$line --endpoint-url $URL"
}
# Runs an aws command, prints it and its output; the output stays in $OUT.
run() {
  show "$@"
  if ! OUT=$(aws "$@" --endpoint-url "$URL" 2>&1); then echo "$OUT"; echo "FAIL: the command failed" >&2; exit 1; fi
  echo "$OUT"
}
# Runs an aws command that must be refused; its error stays in $OUT.
refused() {
  show "$@"
  if OUT=$(aws "$@" --endpoint-url "$URL" 2>&1); then echo "$OUT"; echo "FAIL: the command should have been refused" >&2; exit 1; fi
  echo "$OUT"
}
expect() { # expect WHAT EXPECTED  (compares with $OUT)
  if [ "$OUT" != "$2" ]; then echo "FAIL: $1: got '$OUT', expected '$2'" >&2; exit 1; fi
  echo "# ok: $1 = $2"
}
settle() { curl -fsS -X POST "$URL/_ecslite/scheduler/settle" >/dev/null; }
# Moves the virtual clock; the scheduler converges before the call returns.
advance() { echo "# the clock moves $1 s"; curl -fsS -X POST "$URL/_ecslite/clock" -d "{\"advanceSeconds\": $1}" >/dev/null; }

NET='awsvpcConfiguration={subnets=[subnet-1,subnet-2],securityGroups=[sg-1]}'
