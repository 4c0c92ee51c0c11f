#!/usr/bin/env bash
# The blue/green flow of a deploy controller, with the AWS CLI against ecslite.
# Usage: test/aws-cli-blue-green.sh ENDPOINT_URL   (prints each command and its output; exits non-zero on a wrong value)
set -euo pipefail
E=(--endpoint-url "$1")
export AWS_DEFAULT_OUTPUT=json
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test} AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""

# Each command and its output go to stderr (the transcript); the output also to stdout (for checks).
run() {
  echo "\$ aws $*" >&2
  local out
  out=$(aws "$@" "${E[@]}")
  echo "$out" >&2
  echo "$out"
}
expect() { # expect WHAT ACTUAL EXPECTED
  if [ "$2" != "$3" ]; then echo "FAIL: $1: got '$2', expected '$3'" >&2; exit 1; fi
  echo "ok: $1 = $3" >&2
}
settle() { curl -s -X POST "$1/_ecslite/scheduler/settle" >/dev/null; }

NET='awsvpcConfiguration={subnets=[subnet-1,subnet-2],securityGroups=[sg-1]}'
run ecs create-cluster --cluster-name bluegreen --query 'cluster.status'
run ecs register-task-definition --family web --requires-compatibilities FARGATE --network-mode awsvpc --cpu 256 --memory 512 \
  --container-definitions '[{"name":"app","image":"web:1","portMappings":[{"containerPort":8080}]}]' --query 'taskDefinition.taskDefinitionArn'
run ecs register-task-definition --family web --requires-compatibilities FARGATE --network-mode awsvpc --cpu 256 --memory 512 \
  --container-definitions '[{"name":"app","image":"web:2","portMappings":[{"containerPort":8080}]}]' --query 'taskDefinition.taskDefinitionArn'
run ecs create-service --cluster bluegreen --service-name web --desired-count 10 --deployment-controller type=EXTERNAL --query 'service.[status,deploymentController.type]'

BLUE=$(run ecs create-task-set --cluster bluegreen --service web --task-definition web:1 --launch-type FARGATE --network-configuration "$NET" \
  --scale value=100,unit=PERCENT --external-id blue --query 'taskSet.id' | tr -d '"')
run ecs update-service-primary-task-set --cluster bluegreen --service web --primary-task-set "$BLUE" --query 'taskSet.status'
GREEN=$(run ecs create-task-set --cluster bluegreen --service web --task-definition web:2 --launch-type FARGATE --network-configuration "$NET" \
  --external-id green --query 'taskSet.id' | tr -d '"')
settle "$1"
expect "blue running" "$(run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" --query 'taskSets[0].runningCount')" 10
expect "green scale (default)" "$(run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$GREEN" --query 'taskSets[0].scale.value')" 0

for step in 10:1 50:5 100:10; do
  percent=${step%%:*}; count=${step##*:}
  run ecs update-task-set --cluster bluegreen --service web --task-set "$GREEN" --scale value=$percent,unit=PERCENT \
    --query 'taskSet.[computedDesiredCount,stabilityStatus]'
  settle "$1"
  expect "green at $percent%" "$(run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$GREEN" \
    --query 'taskSets[0].[runningCount,stabilityStatus]' --output text | tr '\t' ' ')" "$count STEADY_STATE"
done

run ecs update-service-primary-task-set --cluster bluegreen --service web --primary-task-set "$GREEN" --query 'taskSet.status'
expect "service task definition" "$(run ecs describe-services --cluster bluegreen --services web --query 'services[0].taskDefinition' | tr -d '"')" \
  "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2"
run ecs update-task-set --cluster bluegreen --service web --task-set "$BLUE" --scale value=0,unit=PERCENT --query 'taskSet.computedDesiredCount'
settle "$1"
run ecs delete-task-set --cluster bluegreen --service web --task-set "$BLUE" --query 'taskSet.status'
settle "$1"
expect "blue gone" "$(run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" --query 'failures[0].reason' | tr -d '"')" MISSING
run ecs describe-services --cluster bluegreen --services web --query 'services[0].{running:runningCount,taskSets:taskSets[].[externalId,status,runningCount,stabilityStatus]}'
echo "\$ aws ecs delete-task-set --cluster bluegreen --service web --task-set $GREEN" >&2
refusal=$(aws ecs delete-task-set --cluster bluegreen --service web --task-set "$GREEN" "${E[@]}" 2>&1 >/dev/null || true)
echo "$refusal" >&2
expect "primary cannot be deleted" "$(echo "$refusal" | grep -o 'InvalidParameterException.*Primary TaskSet cannot be deleted' | head -1)" \
  "InvalidParameterException) when calling the DeleteTaskSet operation: Primary TaskSet cannot be deleted"
echo "blue/green flow: all checks passed" >&2
