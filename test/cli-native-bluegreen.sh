#!/usr/bin/env bash
# ECS's own BLUE_GREEN deployment with the AWS CLI (aws ecs, aws elbv2) against a fresh ecslite: an
# ALB whose production rule forwards to the blue target group and whose test rule to the green one;
# a service first deployed ROLLING behind blue; then UpdateService with a new revision and
# deploymentConfiguration strategy BLUE_GREEN, a 5-minute bake time and a PAUSE hook at
# POST_TEST_TRAFFIC_SHIFT. The green revision scales up in the green target group, test traffic moves
# to it, the deployment pauses, continue-service-deployment lets production traffic move, blue is
# kept for the bake time, then its targets drain and it scales in. The listener rules, the target
# health and the service deployment are shown at each stage.
# Starts `node dist/src/cli.js --in-memory --clock virtual --port <free port> --task-step-ms 0` itself
# (build first), prints each command and its output (the transcript, on stdout:
# docs/transcripts/native-blue-green-aws-cli.txt), checks values with --query, and exits non-zero
# at the first wrong value. Between steps it asks the scheduler to settle and moves the virtual clock.
# Usage: test/cli-native-bluegreen.sh      (from anywhere; needs node, aws and curl)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=cli-scenario.sh
source "$ROOT/test/cli-scenario.sh"

# describe-rules of the test and production rules, blue's and green's weights in each: "<test blue> <test green>\n<production blue> <production green>".
rules() {
  run elbv2 describe-rules --rule-arns "$TEST_RULE" "$PROD_RULE" \
    --query "Rules[].[Actions[0].ForwardConfig.TargetGroups[?TargetGroupArn=='$BLUE_TG'].Weight | [0], Actions[0].ForwardConfig.TargetGroups[?TargetGroupArn=='$GREEN_TG'].Weight | [0]]" --output text
}

# The load balancer: an ALB, blue and green target groups (healthy 2 x 5 s after registration,
# deregistration delay 30 s), a listener with a production rule to blue and a test rule to green.
run elbv2 create-load-balancer --name shop --subnets subnet-1 subnet-2 --query 'LoadBalancers[0].LoadBalancerArn' --output text
LB_ARN=$OUT
for color in blue green; do
  run elbv2 create-target-group --name "web-$color" --protocol HTTP --port 8080 --vpc-id vpc-1 --target-type ip \
    --health-check-interval-seconds 5 --health-check-timeout-seconds 2 --healthy-threshold-count 2 \
    --query 'TargetGroups[0].TargetGroupArn' --output text
  if [ "$color" = blue ]; then BLUE_TG=$OUT; else GREEN_TG=$OUT; fi
  run elbv2 modify-target-group-attributes --target-group-arn "$OUT" --attributes Key=deregistration_delay.timeout_seconds,Value=30 \
    --query "Attributes[?Key=='deregistration_delay.timeout_seconds'].Value" --output text
  expect "$color deregistration delay" 30
done
run elbv2 create-listener --load-balancer-arn "$LB_ARN" --protocol HTTP --port 80 --default-actions "Type=forward,TargetGroupArn=$BLUE_TG" \
  --query 'Listeners[0].ListenerArn' --output text
LISTENER=$OUT
run elbv2 create-rule --listener-arn "$LISTENER" --priority 1 --conditions '[{"Field":"http-header","HttpHeaderConfig":{"HttpHeaderName":"X-Environment","Values":["test"]}}]' \
  --actions "Type=forward,TargetGroupArn=$GREEN_TG" --query 'Rules[0].RuleArn' --output text
TEST_RULE=$OUT
run elbv2 create-rule --listener-arn "$LISTENER" --priority 2 --conditions 'Field=path-pattern,Values=/*' \
  --actions "Type=forward,TargetGroupArn=$BLUE_TG" --query 'Rules[0].RuleArn' --output text
PROD_RULE=$OUT

# ECS: the cluster, two revisions, the service deployed ROLLING behind blue.
run ecs create-cluster --cluster-name shop --query cluster.status --output text
expect "cluster status" ACTIVE
for image in web:1 web:2; do
  run ecs register-task-definition --family web --requires-compatibilities FARGATE --network-mode awsvpc --cpu 256 --memory 512 \
    --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"portMappings\":[{\"containerPort\":8080}]}]" \
    --query taskDefinition.taskDefinitionArn --output text
done
LB="[{\"targetGroupArn\":\"$BLUE_TG\",\"containerName\":\"app\",\"containerPort\":8080,\"advancedConfiguration\":{\"alternateTargetGroupArn\":\"$GREEN_TG\",\"productionListenerRule\":\"$PROD_RULE\",\"testListenerRule\":\"$TEST_RULE\",\"roleArn\":\"arn:aws:iam::000000000000:role/ecs-elb-role\"}}]"
run ecs create-service --cluster shop --service-name web --task-definition web:1 --desired-count 2 --launch-type FARGATE \
  --network-configuration "$NET" --load-balancers "$LB" \
  --query 'service.[status,deploymentConfiguration.strategy,length(deployments)]' --output text
expect "service" "ACTIVE	ROLLING	1"
advance 10
run ecs list-service-deployments --cluster shop --service web --query 'serviceDeployments[].[status,targetServiceRevisionArn]' --output text
expect "first deployment" "SUCCESSFUL	$(cut -f2 <<<"$OUT")"

# The blue/green deployment: web:2, BLUE_GREEN, 5 minutes of bake time, a pause after the test traffic shift.
run ecs update-service --cluster shop --service web --task-definition web:2 \
  --deployment-configuration '{"strategy":"BLUE_GREEN","bakeTimeInMinutes":5,"lifecycleHooks":[{"targetType":"PAUSE","lifecycleStages":["POST_TEST_TRAFFIC_SHIFT"]}]}' \
  --query 'service.[currentServiceDeployment,deploymentConfiguration.strategy]' --output text
SD=$(cut -f1 <<<"$OUT")
settle
run ecs describe-service-deployments --service-deployment-arns "$SD" --query 'serviceDeployments[0].[status,lifecycleStage,targetServiceRevision.runningTaskCount]' --output text
expect "SCALE_UP: green runs, its targets in their initial checks" "IN_PROGRESS	SCALE_UP	2"
run elbv2 describe-target-health --target-group-arn "$GREEN_TG" --query 'TargetHealthDescriptions[].TargetHealth.State' --output text
expect "green targets" "initial	initial"
rules
expect "test and production traffic on blue (green at weight 0)" "100	0
100	0"
advance 10
run ecs describe-service-deployments --service-deployment-arns "$SD"
run ecs describe-service-deployments --service-deployment-arns "$SD" --query 'serviceDeployments[0].[lifecycleStage,lifecycleHookDetails[0].status,lifecycleHookDetails[0].hookId]' --output text
HOOK=$(cut -f3 <<<"$OUT")
expect "paused after the test traffic shift" "POST_TEST_TRAFFIC_SHIFT	AWAITING_ACTION	$HOOK"
rules
expect "test traffic on green, production on blue" "0	100
100	0"
run ecs describe-services --cluster shop --services web --query 'services[0].deployments[].[id,status,taskDefinition,desiredCount,runningCount,rolloutState]' --output text

# Continue: production traffic moves to green; blue is kept for the bake time.
run ecs continue-service-deployment --service-deployment-arn "$SD" --hook-id "$HOOK" --action CONTINUE
settle
run ecs describe-service-deployments --service-deployment-arns "$SD" --query 'serviceDeployments[0].[lifecycleStage,targetServiceRevision.requestedProductionTrafficWeight,sourceServiceRevisions[0].requestedProductionTrafficWeight]' --output text
expect "bake time" "BAKE_TIME	100	0"
rules
expect "test and production traffic on green" "0	100
0	100"
advance 300
run ecs describe-service-deployments --service-deployment-arns "$SD" --query 'serviceDeployments[0].[status,lifecycleStage]' --output text
expect "after the bake time: blue's targets drain" "IN_PROGRESS	CLEAN_UP"
run elbv2 describe-target-health --target-group-arn "$BLUE_TG" --query 'TargetHealthDescriptions[].TargetHealth.State' --output text
expect "blue targets" "draining	draining"
advance 30
run ecs describe-service-deployments --service-deployment-arns "$SD" --query 'serviceDeployments[0].[status,lifecycleStage,targetServiceRevision.arn]' --output text
REVISION=$(cut -f3 <<<"$OUT")
expect "done" "SUCCESSFUL	CLEAN_UP	$REVISION"
run ecs describe-services --cluster shop --services web --query 'services[0].deployments[].[status,taskDefinition,runningCount,rolloutState]' --output text
expect "blue scaled in" "PRIMARY	arn:aws:ecs:us-east-1:000000000000:task-definition/web:2	2	COMPLETED"
run ecs describe-service-revisions --service-revision-arns "$REVISION"
run ecs list-service-deployments --cluster shop --service web
run ecs list-service-deployments --cluster shop --service web --query 'serviceDeployments[].[status,targetServiceRevisionArn]' --output text
expect "deployments, newest first" "SUCCESSFUL	$REVISION
SUCCESSFUL	$(tail -1 <<<"$OUT" | cut -f2)"
echo "# native blue/green: all checks passed"
