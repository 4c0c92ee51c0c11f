#!/usr/bin/env bash
# The blue/green flow of a deploy controller with the AWS CLI against a fresh ecslite:
#   blue at 100% (primary), green at 0%, green 10 -> 50 -> 100, switch the primary, blue to 0, delete blue.
# Starts `node dist/src/cli.js --in-memory --port <free port> --task-step-ms 0` itself (build first),
# prints each command and its output (the transcript, on stdout), checks values with --query, and
# exits non-zero at the first wrong value. Between steps it asks ecslite's scheduler to settle
# (POST /_ecslite/scheduler/settle) instead of polling.
# Usage: test/cli-bluegreen.sh            (from anywhere; needs node, aws and curl)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_DEFAULT_OUTPUT=json AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS

PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')
URL="http://127.0.0.1:$PORT"
LOG=$(mktemp)
node "$ROOT/dist/src/cli.js" --in-memory --port "$PORT" --task-step-ms 0 --log-level error --check-responses >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$LOG" && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$LOG" >&2; echo "FAIL: ecslite did not start" >&2; exit 1; }
  sleep 0.1
done
grep -q "listening on" "$LOG" || { echo "FAIL: ecslite did not start within 10 s" >&2; exit 1; }
echo "# ecslite: node dist/src/cli.js --in-memory --port $PORT --task-step-ms 0; $(aws --version 2>&1)"

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

NET='awsvpcConfiguration={subnets=[subnet-1,subnet-2],securityGroups=[sg-1]}'
LB='targetGroupArn=arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef,containerName=app,containerPort=8080'
TD='arn:aws:ecs:us-east-1:000000000000:task-definition/web'

run ecs create-cluster --cluster-name bluegreen --query cluster.status --output text
expect "cluster status" ACTIVE
for image in web:1 web:2; do
  run ecs register-task-definition --family web --requires-compatibilities FARGATE --network-mode awsvpc --cpu 256 --memory 512 \
    --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"portMappings\":[{\"containerPort\":8080}]}]" \
    --query taskDefinition.taskDefinitionArn --output text
done
expect "second revision" "$TD:2"
run ecs create-service --cluster bluegreen --service-name web --desired-count 10 --deployment-controller type=EXTERNAL \
  --query 'service.[status,deploymentController.type,desiredCount,length(taskSets)]' --output text
expect "EXTERNAL service" "ACTIVE	EXTERNAL	10	0"

# Blue: 100%, the primary.
run ecs create-task-set --cluster bluegreen --service web --task-definition web:1 --launch-type FARGATE \
  --network-configuration "$NET" --load-balancers "$LB" --scale value=100,unit=PERCENT --external-id blue \
  --query 'taskSet.[id,status,computedDesiredCount,stabilityStatus]' --output text
BLUE=$(cut -f1 <<<"$OUT")
expect "blue created" "$BLUE	ACTIVE	10	STABILIZING"
run ecs update-service-primary-task-set --cluster bluegreen --service web --primary-task-set "$BLUE" --query taskSet.status --output text
expect "blue primary" PRIMARY
settle
run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" --query 'taskSets[0].[runningCount,stabilityStatus]' --output text
expect "blue running" "10	STEADY_STATE"

# Green: 0% by default, then 10 -> 50 -> 100.
run ecs create-task-set --cluster bluegreen --service web --task-definition web:2 --launch-type FARGATE \
  --network-configuration "$NET" --load-balancers "$LB" --external-id green --query 'taskSet.[id,scale.value,computedDesiredCount]' --output text
GREEN=$(cut -f1 <<<"$OUT")
# (ECS sends the double 0.0, which the CLI prints as 0.0; ecslite sends 0: see docs/task-sets.md.)
expect "green created at 0%" "$GREEN	0	0"
for step in 10:1 50:5 100:10; do
  percent=${step%%:*} count=${step##*:}
  run ecs update-task-set --cluster bluegreen --service web --task-set "$GREEN" --scale "value=$percent,unit=PERCENT" \
    --query 'taskSet.[computedDesiredCount,stabilityStatus]' --output text
  expect "green at $percent% as returned" "$count	STABILIZING"
  settle
  run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$GREEN" --query 'taskSets[0].[runningCount,stabilityStatus]' --output text
  expect "green at $percent%" "$count	STEADY_STATE"
done
run ecs describe-services --cluster bluegreen --services web --query 'services[0].[runningCount,taskDefinition]' --output text
expect "blue primary, both running" "20	$TD:1"

# Switch the primary; blue to 0; delete blue.
run ecs update-service-primary-task-set --cluster bluegreen --service web --primary-task-set "$GREEN" --query taskSet.status --output text
expect "green primary" PRIMARY
run ecs describe-services --cluster bluegreen --services web --query 'services[0].[taskDefinition,launchType]' --output text
expect "the service shows the primary's parameters" "$TD:2	FARGATE"
run ecs update-task-set --cluster bluegreen --service web --task-set "$BLUE" --scale value=0,unit=PERCENT --query taskSet.computedDesiredCount --output text
expect "blue at 0%" 0
settle
run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" "$GREEN" \
  --query 'taskSets[].[externalId,status,runningCount,stabilityStatus]' --output text
expect "blue drained, green serving" "blue	ACTIVE	0	STEADY_STATE
green	PRIMARY	10	STEADY_STATE"
run ecs delete-task-set --cluster bluegreen --service web --task-set "$BLUE" --query taskSet.status --output text
expect "blue deleted" DRAINING
settle
run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" --query 'length(taskSets)' --output text
expect "blue gone" 0
run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" --query 'failures[0].reason' --output text
expect "blue missing" MISSING
run ecs describe-services --cluster bluegreen --services web \
  --query 'services[0].{status:status,desired:desiredCount,running:runningCount,taskDefinition:taskDefinition,taskSets:taskSets[].[externalId,status,runningCount,stabilityStatus],lastEvent:events[0].message}'
OUT=$(aws ecs describe-services --cluster bluegreen --services web --query 'services[0].[runningCount,length(taskSets)]' --output text --endpoint-url "$URL")
expect "green alone" "10	1"

# The primary cannot be deleted.
refused ecs delete-task-set --cluster bluegreen --service web --task-set "$GREEN"
OUT=$(grep -o 'An error occurred.*' <<<"$OUT")
expect "primary refused" "An error occurred (InvalidParameterException) when calling the DeleteTaskSet operation: Primary TaskSet cannot be deleted"
echo "# blue/green flow: all checks passed"
