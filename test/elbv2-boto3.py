# Every Elastic Load Balancing operation ecslite serves, called through boto3 (whose parser reads
# each XML response by botocore's model), then a few refusals. Prints one JSON summary line; run by
# test/elbv2Clients.test.ts with the server's URL as the only argument.
import json
import sys

import boto3
import botocore

elb = boto3.client("elbv2", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
calls = []


def call(name, **kwargs):
    out = getattr(elb, name)(**kwargs)
    calls.append(name)
    return out


lb = call("create_load_balancer", Name="boto", Subnets=["subnet-aaaa1111", "subnet-bbbb2222"], Tags=[{"Key": "env", "Value": "dev"}])["LoadBalancers"][0]
lb_arn = lb["LoadBalancerArn"]
call("describe_load_balancers", Names=["boto"])
call("describe_load_balancer_attributes", LoadBalancerArn=lb_arn)
call("modify_load_balancer_attributes", LoadBalancerArn=lb_arn, Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "30"}])
blue = call("create_target_group", Name="boto-blue", Protocol="HTTP", Port=8080, VpcId="vpc-1", TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
green = call("create_target_group", Name="boto-green", Protocol="HTTP", Port=8080, VpcId="vpc-1", TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
call("describe_target_groups", Names=["boto-blue", "boto-green"])
call("modify_target_group", TargetGroupArn=blue, HealthCheckPath="/health", HealthCheckIntervalSeconds=10)
call("describe_target_group_attributes", TargetGroupArn=blue)
call("modify_target_group_attributes", TargetGroupArn=blue, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
listener = call(
    "create_listener",
    LoadBalancerArn=lb_arn,
    Protocol="HTTP",
    Port=80,
    DefaultActions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": blue, "Weight": 100}, {"TargetGroupArn": green, "Weight": 0}]}}],
)["Listeners"][0]["ListenerArn"]
call("describe_listeners", LoadBalancerArn=lb_arn)
rule = call(
    "create_rule",
    ListenerArn=listener,
    Priority=10,
    Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["api.example.com"]}}],
    Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain", "MessageBody": "down"}}],
)["Rules"][0]["RuleArn"]
call("modify_rule", RuleArn=rule, Actions=[{"Type": "forward", "TargetGroupArn": green}])
call("set_rule_priorities", RulePriorities=[{"RuleArn": rule, "Priority": 20}])
rules = call("describe_rules", ListenerArn=listener)["Rules"]
call("register_targets", TargetGroupArn=blue, Targets=[{"Id": "10.0.0.10", "Port": 8080}, {"Id": "10.0.0.11"}])
health = call("describe_target_health", TargetGroupArn=blue)["TargetHealthDescriptions"]
call("modify_listener", ListenerArn=listener, DefaultActions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": blue, "Weight": 0}, {"TargetGroupArn": green, "Weight": 100}]}}])
call("add_tags", ResourceArns=[lb_arn, blue, listener, rule], Tags=[{"Key": "team", "Value": "web"}])
tags = call("describe_tags", ResourceArns=[lb_arn, blue, listener, rule])["TagDescriptions"]
call("remove_tags", ResourceArns=[blue], TagKeys=["team"])
call("deregister_targets", TargetGroupArn=blue, Targets=[{"Id": "10.0.0.11", "Port": 8080}])
call("delete_rule", RuleArn=rule)
call("delete_listener", ListenerArn=listener)
call("delete_target_group", TargetGroupArn=green)
call("delete_load_balancer", LoadBalancerArn=lb_arn)

errors = {}
for name, kwargs in [
    ("describe_target_groups", {"Names": ["missing"]}),
    ("describe_load_balancers", {"LoadBalancerArns": ["not-an-arn"]}),
    ("delete_listener", {"ListenerArn": listener}),
    ("create_target_group", {"Name": "bad_name", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"}),
    ("describe_account_limits", {}),
]:
    try:
        getattr(elb, name)(**kwargs)
        errors[name] = "accepted"
    except botocore.exceptions.ClientError as e:
        errors[name] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], type(e).__name__]

print(
    json.dumps(
        {
            "calls": calls,
            "loadBalancerCreatedTime": lb["CreatedTime"].isoformat(),
            "rulePriorities": [r["Priority"] for r in rules],
            "health": [[d["Target"]["Id"], d["Target"]["Port"], d["TargetHealth"]["State"]] for d in health],
            "tagCounts": [len(t["Tags"]) for t in tags],
            "errors": errors,
        }
    )
)
