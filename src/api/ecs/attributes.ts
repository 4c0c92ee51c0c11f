// Custom attributes on container instances: PutAttributes, ListAttributes, DeleteAttributes.
import type {
  Attribute,
  DeleteAttributesRequest,
  DeleteAttributesResponse,
  ListAttributesRequest,
  ListAttributesResponse,
  PutAttributesRequest,
  PutAttributesResponse,
} from "@aws-sdk/client-ecs";
import { arns, isArn } from "../../domain/arn";
import type { ClusterRecord, ContainerInstanceRecord } from "../../domain/records";
import { InvalidParameterException, ResourceNotFoundException, TargetNotFoundException } from "../../protocol/errors";
import type { Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { listPage } from "./paging";
import { activeCluster, inScope } from "./resolve";

const MAX_ATTRIBUTES_PER_CALL = 10;
const ATTRIBUTE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_.@/]{0,127}$/;
const ATTRIBUTE_VALUE = /^[a-zA-Z0-9\-_.@/:() ]{1,128}$/;

function checkAttributes(attributes: readonly Wire<Attribute>[], needValues: boolean): void {
  if (attributes.length === 0) throw new InvalidParameterException(`attributes must contain between 1 and ${MAX_ATTRIBUTES_PER_CALL} attributes.`);
  for (const a of attributes) {
    if (!ATTRIBUTE_NAME.test(a.name ?? "")) throw new InvalidParameterException(`Attribute name '${(a.name ?? "").slice(0, 128)}' is invalid: up to 128 letters, numbers, hyphens, underscores, periods, at signs and forward slashes.`);
    if (a.value !== undefined && !ATTRIBUTE_VALUE.test(a.value)) throw new InvalidParameterException(`The value of attribute '${a.name}' is invalid.`);
    if (needValues === false) continue;
    if ((a.targetType ?? "container-instance") !== "container-instance") throw new InvalidParameterException("targetType must be container-instance.");
    if (!a.targetId) throw new InvalidParameterException(`Attribute '${a.name}' needs a targetId (a container instance id or ARN).`);
  }
}

async function target(tx: Tx, ctx: RequestContext, cluster: ClusterRecord, targetId: string): Promise<ContainerInstanceRecord> {
  const arn = isArn(targetId) ? targetId : arns.containerInstance(ctx, cluster.cluster.clusterName ?? "", targetId);
  const record = inScope(arn, ctx) ? await tx.get("containerInstance", arn) : undefined;
  if (!record || record.containerInstance.status === "INACTIVE") throw new TargetNotFoundException(`Could not find the container instance ${targetId}.`);
  return record;
}

const putAttributes: Handler<PutAttributesRequest, PutAttributesResponse> = async (input, ctx) => {
  checkAttributes(input.attributes ?? [], true);
  return ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    for (const attribute of input.attributes ?? []) {
      const record = await target(tx, ctx, cluster, attribute.targetId ?? "");
      const others = (record.containerInstance.attributes ?? []).filter((a) => a.name !== attribute.name);
      const attributes = [...others, { name: attribute.name, ...(attribute.value !== undefined ? { value: attribute.value } : {}) }];
      await tx.put("containerInstance", { ...record, containerInstance: { ...record.containerInstance, attributes } });
    }
    return { attributes: input.attributes ?? [] };
  });
};

const deleteAttributes: Handler<DeleteAttributesRequest, DeleteAttributesResponse> = async (input, ctx) => {
  checkAttributes(input.attributes ?? [], true);
  return ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const deleted: Wire<Attribute>[] = [];
    for (const attribute of input.attributes ?? []) {
      const record = await target(tx, ctx, cluster, attribute.targetId ?? "");
      const attributes = record.containerInstance.attributes ?? [];
      const existing = attributes.find((a) => a.name === attribute.name);
      if (!existing) throw new ResourceNotFoundException(`The attribute ${attribute.name} does not exist on ${attribute.targetId}.`);
      await tx.put("containerInstance", { ...record, containerInstance: { ...record.containerInstance, attributes: attributes.filter((a) => a.name !== attribute.name) } });
      // The answer names each deleted attribute with the value it had (the AWS CLI's delete-attributes example).
      deleted.push({ ...attribute, ...(existing.value !== undefined ? { value: existing.value } : {}) });
    }
    return { attributes: deleted };
  });
};

const listAttributes: Handler<ListAttributesRequest, ListAttributesResponse> = async (input, ctx) => {
  if (input.targetType !== "container-instance") throw new InvalidParameterException("targetType must be container-instance.");
  if (input.attributeValue !== undefined && input.attributeName === undefined) throw new InvalidParameterException("attributeValue can be given only together with attributeName.");
  return ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const found: (Wire<Attribute> & { key: string })[] = [];
    for (const record of await tx.list("containerInstance", { scope: ctx.scope, parent: cluster.cluster.clusterArn ?? "" })) {
      if (record.containerInstance.status === "INACTIVE") continue;
      const targetId = record.containerInstance.containerInstanceArn ?? "";
      for (const a of record.containerInstance.attributes ?? []) {
        if (input.attributeName !== undefined && a.name !== input.attributeName) continue;
        if (input.attributeValue !== undefined && a.value !== input.attributeValue) continue;
        found.push({ key: `${targetId} ${a.name}`, name: a.name, ...(a.value !== undefined ? { value: a.value } : {}), targetType: "container-instance", targetId });
      }
    }
    found.sort((x, y) => (x.key < y.key ? -1 : 1));
    const page = await listPage(input, async (after, limit) => found.filter((a) => after === undefined || a.key > after).slice(0, limit), (a) => a.key);
    return { attributes: page.items.map(({ key: _key, ...a }) => a), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  });
};

export const attributeHandlers = {
  PutAttributes: putAttributes,
  DeleteAttributes: deleteAttributes,
  ListAttributes: listAttributes,
};
