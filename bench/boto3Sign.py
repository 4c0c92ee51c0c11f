"""Requests exactly as boto3 sends them, for the benchmarks to replay with wrk.

Reads a JSON list of {"endpoint", "operation", "params", "accessKeyId", "secretAccessKey",
"region"} on stdin and writes a JSON list of {"path", "headers", "body"}: the request botocore
built and signed (SigV4, its own header set: User-Agent, X-Amz-Date, amz-sdk-invocation-id,
amz-sdk-request, ...), captured before it is sent. Nothing is sent.
"""
import json
import sys

import boto3
from botocore.config import Config


class Captured(Exception):
    def __init__(self, request):
        super().__init__("captured")
        self.request = request


def capture(request, **_):
    raise Captured(request)


def signed(spec, clients):
    key = (spec["endpoint"], spec["accessKeyId"], spec["secretAccessKey"], spec["region"])
    client = clients.get(key)
    if client is None:
        client = boto3.client(
            "ecs",
            endpoint_url=spec["endpoint"],
            region_name=spec["region"],
            aws_access_key_id=spec["accessKeyId"],
            aws_secret_access_key=spec["secretAccessKey"],
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )
        client.meta.events.register("before-send.ecs.*", capture)
        clients[key] = client
    method = {api: name for name, api in client.meta.method_to_api_mapping.items()}[spec["operation"]]
    operation = getattr(client, method)
    try:
        operation(**spec["params"])
    except Captured as captured:
        request = captured.request
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        path = request.url.split("://", 1)[1]
        path = path[path.index("/"):] if "/" in path else "/"
        return {"path": path, "headers": {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}, "body": body or ""}
    raise RuntimeError("botocore sent nothing to capture")


def main():
    specs = json.load(sys.stdin)
    clients = {}
    json.dump([signed(spec, clients) for spec in specs], sys.stdout)


if __name__ == "__main__":
    main()
