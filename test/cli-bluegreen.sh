#!/usr/bin/env bash
# The EXTERNAL blue/green flow of a deploy controller with the AWS CLI (aws elbv2, aws ecs) against a
# fresh ecslite: an ALB whose listener forwards 100/0 to blue and green target groups; the blue task
# set primary behind healthy targets; green at 100% behind its own group, steady once its targets are
# healthy; the listener shifted to 0/100; green made primary; blue deleted, its targets draining for
# the deregistration delay, its tasks stopping only after it.
# Starts `node dist/src/cli.js --in-memory --clock virtual --port <free port> --task-step-ms 0` itself
# (build first), prints each command and its output (the transcript, on stdout), checks values with
# --query, and exits non-zero at the first wrong value. Between steps it asks ecslite's scheduler to
# settle (POST /_ecslite/scheduler/settle) and moves the virtual clock (POST /_ecslite/clock)
# instead of polling.
# Usage: test/cli-bluegreen.sh            (from anywhere; needs node, aws and curl)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=cli-scenario.sh
source "$ROOT/test/cli-scenario.sh"

TD='arn:aws:ecs:us-east-1:000000000000:task-definition/web'
forward() { # forward BLUE_WEIGHT GREEN_WEIGHT: a listener's default actions
  echo "[{\"Type\":\"forward\",\"ForwardConfig\":{\"TargetGroups\":[{\"TargetGroupArn\":\"$BLUE_TG\",\"Weight\":$1},{\"TargetGroupArn\":\"$GREEN_TG\",\"Weight\":$2}]}}]"
}

# The load balancer: an ALB, blue and green target groups (healthy 3 x 10 s after registration,
# deregistration delay 60 s), a listener forwarding 100/0.
run elbv2 create-load-balancer --name shop --subnets subnet-1 subnet-2 --query 'LoadBalancers[0].[LoadBalancerArn,Type,State.Code]' --output text
LB_ARN=$(cut -f1 <<<"$OUT")
expect "load balancer" "$LB_ARN	application	provisioning"
for color in blue green; do
  run elbv2 create-target-group --name "web-$color" --protocol HTTP --port 8080 --vpc-id vpc-1 --target-type ip \
    --health-check-interval-seconds 10 --health-check-timeout-seconds 5 --healthy-threshold-count 3 \
    --query 'TargetGroups[0].TargetGroupArn' --output text
  if [ "$color" = blue ]; then BLUE_TG=$OUT; else GREEN_TG=$OUT; fi
  run elbv2 modify-target-group-attributes --target-group-arn "$OUT" --attributes Key=deregistration_delay.timeout_seconds,Value=60 \
    --query "Attributes[?Key=='deregistration_delay.timeout_seconds'].Value" --output text
  expect "$color deregistration delay" 60
done
run elbv2 create-listener --load-balancer-arn "$LB_ARN" --protocol HTTP --port 80 --default-actions "$(forward 100 0)" \
  --query 'Listeners[0].[ListenerArn,DefaultActions[0].ForwardConfig.TargetGroups[0].Weight,DefaultActions[0].ForwardConfig.TargetGroups[1].Weight]' --output text
LISTENER=$(cut -f1 <<<"$OUT")
expect "listener 100/0" "$LISTENER	100	0"

# ECS: the cluster, two revisions, the EXTERNAL service.
run ecs create-cluster --cluster-name bluegreen --query cluster.status --output text
expect "cluster status" ACTIVE
for image in web:1 web:2; do
  run ecs register-task-definition --family web --requires-compatibilities FARGATE --network-mode awsvpc --cpu 256 --memory 512 \
    --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"portMappings\":[{\"containerPort\":8080}]}]" \
    --query taskDefinition.taskDefinitionArn --output text
done
expect "second revision" "$TD:2"
run ecs create-service --cluster bluegreen --service-name web --desired-count 3 --deployment-controller type=EXTERNAL \
  --query 'service.[status,deploymentController.type,desiredCount,length(taskSets)]' --output text
expect "EXTERNAL service" "ACTIVE	EXTERNAL	3	0"

# Blue: 100% behind the blue group, the primary; steady once its targets are healthy.
run ecs create-task-set --cluster bluegreen --service web --task-definition web:1 --launch-type FARGATE \
  --network-configuration "$NET" --load-balancers "targetGroupArn=$BLUE_TG,containerName=app,containerPort=8080" \
  --scale value=100,unit=PERCENT --external-id blue --query 'taskSet.[id,status,computedDesiredCount,stabilityStatus]' --output text
BLUE=$(cut -f1 <<<"$OUT")
expect "blue created" "$BLUE	ACTIVE	3	STABILIZING"
run ecs update-service-primary-task-set --cluster bluegreen --service web --primary-task-set "$BLUE" --query taskSet.status --output text
expect "blue primary" PRIMARY
settle
run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" --query 'taskSets[0].[runningCount,stabilityStatus]' --output text
expect "blue running, targets in their initial checks" "3	STABILIZING"
run elbv2 describe-target-health --target-group-arn "$BLUE_TG" --query 'TargetHealthDescriptions[].TargetHealth.State' --output text
expect "blue targets" "initial	initial	initial"
# Both directions: the targets are the blue tasks' ENI addresses.
run ecs list-tasks --cluster bluegreen --started-by "$BLUE" --query 'taskArns' --output text
BLUE_TASKS=$OUT
run ecs describe-tasks --cluster bluegreen --tasks $BLUE_TASKS --query "tasks[].attachments[0].details[?name=='privateIPv4Address'].value | [] | sort(@)" --output text
TASK_IPS=$OUT
run elbv2 describe-target-health --target-group-arn "$BLUE_TG" --query 'sort(TargetHealthDescriptions[].Target.Id)' --output text
expect "blue targets are the blue tasks" "$TASK_IPS"
advance 30
run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" --query 'taskSets[0].[runningCount,stabilityStatus]' --output text
expect "blue steady" "3	STEADY_STATE"
run elbv2 describe-target-health --target-group-arn "$BLUE_TG" --query 'TargetHealthDescriptions[].TargetHealth.State' --output text
expect "blue targets healthy" "healthy	healthy	healthy"

# Green: 100% behind the green group (weight 0); wait until steady and healthy.
run ecs create-task-set --cluster bluegreen --service web --task-definition web:2 --launch-type FARGATE \
  --network-configuration "$NET" --load-balancers "targetGroupArn=$GREEN_TG,containerName=app,containerPort=8080" \
  --scale value=100,unit=PERCENT --external-id green --query 'taskSet.[id,computedDesiredCount,stabilityStatus]' --output text
GREEN=$(cut -f1 <<<"$OUT")
expect "green created" "$GREEN	3	STABILIZING"
settle
run elbv2 describe-target-health --target-group-arn "$GREEN_TG" --query 'TargetHealthDescriptions[].TargetHealth.[State,Reason]' --output text
expect "green targets" "initial	Elb.InitialHealthChecking
initial	Elb.InitialHealthChecking
initial	Elb.InitialHealthChecking"
advance 30
run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$GREEN" --query 'taskSets[0].[runningCount,stabilityStatus]' --output text
expect "green steady" "3	STEADY_STATE"
run elbv2 describe-target-health --target-group-arn "$GREEN_TG" --query 'TargetHealthDescriptions[].TargetHealth.State' --output text
expect "green targets healthy" "healthy	healthy	healthy"

# Shift the traffic, then the primary.
run elbv2 modify-listener --listener-arn "$LISTENER" --default-actions "$(forward 0 100)" \
  --query 'Listeners[0].DefaultActions[0].ForwardConfig.TargetGroups[].Weight' --output text
expect "listener 0/100" "0	100"
run elbv2 describe-rules --listener-arn "$LISTENER" --query 'Rules[0].[Priority,Actions[0].ForwardConfig.TargetGroups[1].Weight]' --output text
expect "the default rule follows" "default	100"
run ecs update-service-primary-task-set --cluster bluegreen --service web --primary-task-set "$GREEN" --query taskSet.status --output text
expect "green primary" PRIMARY
run ecs describe-services --cluster bluegreen --services web --query 'services[0].[taskDefinition,runningCount]' --output text
expect "the service shows the primary's parameters" "$TD:2	6"

# Delete blue: its targets drain for 60 s; its tasks wait in DEACTIVATING, then stop.
run ecs delete-task-set --cluster bluegreen --service web --task-set "$BLUE" --query taskSet.status --output text
expect "blue deleted" DRAINING
settle
run elbv2 describe-target-health --target-group-arn "$BLUE_TG" --query 'TargetHealthDescriptions[].TargetHealth.[State,Reason]' --output text
expect "blue targets draining" "draining	Target.DeregistrationInProgress
draining	Target.DeregistrationInProgress
draining	Target.DeregistrationInProgress"
run ecs describe-tasks --cluster bluegreen --tasks $BLUE_TASKS --query 'tasks[].[lastStatus,desiredStatus]' --output text
expect "blue tasks wait" "DEACTIVATING	STOPPED
DEACTIVATING	STOPPED
DEACTIVATING	STOPPED"
advance 59
run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" --query 'taskSets[0].status' --output text
expect "blue still draining after 59 s" DRAINING
advance 1
run elbv2 describe-target-health --target-group-arn "$BLUE_TG" --query 'length(TargetHealthDescriptions)' --output text
expect "blue targets gone" 0
run ecs describe-tasks --cluster bluegreen --tasks $BLUE_TASKS --query 'tasks[].lastStatus' --output text
expect "blue tasks stopped" "STOPPED	STOPPED	STOPPED"
run ecs describe-task-sets --cluster bluegreen --service web --task-sets "$BLUE" --query 'failures[0].reason' --output text
expect "blue gone" MISSING
run ecs describe-services --cluster bluegreen --services web \
  --query 'services[0].{status:status,desired:desiredCount,running:runningCount,taskDefinition:taskDefinition,taskSets:taskSets[].[externalId,status,runningCount,stabilityStatus],events:events[0:6].message}'
OUT=$(aws ecs describe-services --cluster bluegreen --services web --query 'services[0].[runningCount,length(taskSets)]' --output text --endpoint-url "$URL")
expect "green alone" "3	1"
run elbv2 describe-target-health --target-group-arn "$GREEN_TG" --query 'TargetHealthDescriptions[].TargetHealth.State' --output text
expect "green serving" "healthy	healthy	healthy"

# The primary cannot be deleted.
refused ecs delete-task-set --cluster bluegreen --service web --task-set "$GREEN"
OUT=$(grep -o 'An error occurred.*' <<<"$OUT")
expect "primary refused" "An error occurred (InvalidParameterException) when calling the DeleteTaskSet operation: Primary TaskSet cannot be deleted"
echo "# blue/green flow: all checks passed"
