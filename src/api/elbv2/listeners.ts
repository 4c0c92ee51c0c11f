// Listeners: CreateListener, DescribeListeners, ModifyListener, DeleteListener. Every listener has a
// default rule (priority "default") whose actions are the listener's DefaultActions; the two are
// kept equal here. replaceListenerDefaultActions is how anything (ModifyListener, ModifyRule on the
// default rule, a deployment shifting weights) changes where a listener forwards.
import type {
  Action,
  CreateListenerInput,
  CreateListenerOutput,
  DeleteListenerInput,
  DeleteListenerOutput,
  DescribeListenersInput,
  DescribeListenersOutput,
  Listener,
  ModifyListenerInput,
  ModifyListenerOutput,
  Rule,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { type Scope, scopeKey, scopeOfArn } from "../../domain/arn";
import { elbArns } from "../../domain/elbv2Arn";
import { HTTP_PROTOCOLS, NETWORK_PROTOCOLS, rangeProblem } from "../../domain/elbv2Rules";
import type { ListenerRecord, LoadBalancerRecord } from "../../domain/records";
import type { Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler } from "../context";
import { checkedActions } from "./actions";
import { DuplicateListenerException, TooManyListenersException, UnsupportedProtocolException, ValidationError } from "./errors";
import { relinkTargetGroups } from "./links";
import { pageOf } from "./paging";
import { elbId, listenerOf, loadBalancerOf, refuseIf } from "./resolve";
import { checkTags } from "./tags";

/** Listeners per load balancer (ELB quota). */
export const MAX_LISTENERS_PER_LOAD_BALANCER = 50;
/** The security policy ELB gives an HTTPS or TLS listener created without one. */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

function protocolProblem(protocol: string | undefined, port: number | undefined, type: string): void {
  if (protocol === undefined) throw new ValidationError(`A listener protocol must be specified for load balancers of type '${type}'`);
  if (port === undefined) throw new ValidationError(`A listener port must be specified for load balancers of type '${type}'`);
  refuseIf(rangeProblem(port, "port", 1, 65535));
  const allowed = type === "network" ? NETWORK_PROTOCOLS : HTTP_PROTOCOLS;
  if (!allowed.has(protocol)) throw new UnsupportedProtocolException(`Listener protocol '${protocol}' is not supported with a load balancer of type '${type}'`);
}

function needsCertificate(protocol: string | undefined): boolean {
  return protocol === "HTTPS" || protocol === "TLS";
}

/** The default rule a listener carries, mirroring its default actions. */
function defaultRuleOf(listener: Wire<Listener>, ruleArn: string): Wire<Rule> {
  return { RuleArn: ruleArn, Priority: "default", Conditions: [], Actions: listener.DefaultActions ?? [], IsDefault: true };
}

async function defaultRuleArn(tx: Tx, listener: Wire<Listener>): Promise<string | undefined> {
  const arn = listener.ListenerArn ?? "";
  const [rule] = await tx.list("listenerRule", { scope: scopeKey(scopeOfArn(arn)), parent: arn, name: "default" });
  return rule?.rule.RuleArn;
}

/**
 * Makes `actions` the listener's default actions (and its default rule's), checked against the
 * store, relinking the target groups it stops or starts forwarding to. Returns the stored listener.
 */
export async function replaceListenerDefaultActions(tx: Tx, scope: Scope, record: ListenerRecord, actions: readonly Action[], now: number): Promise<ListenerRecord> {
  const listener = record.listener;
  const loadBalancer = await tx.get("loadBalancer", listener.LoadBalancerArn ?? "");
  if (!loadBalancer) throw new ValidationError(`The load balancer of listener '${listener.ListenerArn}' no longer exists`);
  const checked = await checkedActions(tx, scope, loadBalancer, actions, "defaultActions");
  await relinkTargetGroups(tx, listener.ListenerArn ?? "", listener.DefaultActions, checked, now);
  const next: ListenerRecord = { ...record, listener: { ...listener, DefaultActions: checked } };
  await tx.put("listener", next);
  const ruleArn = await defaultRuleArn(tx, listener);
  if (ruleArn) {
    const rule = await tx.get("listenerRule", ruleArn);
    if (rule) await tx.put("listenerRule", { ...rule, rule: { ...rule.rule, Actions: checked } });
  }
  return next;
}

/** What makes two CreateListener calls on one port "the same settings" (the call is idempotent). */
function settingsOf(listener: Wire<Listener>): string {
  return JSON.stringify([listener.Protocol, listener.Port, listener.SslPolicy ?? null, listener.Certificates ?? null, listener.DefaultActions, listener.AlpnPolicy ?? null]);
}

async function listenersOf(tx: Tx, scope: string, loadBalancer: LoadBalancerRecord): Promise<ListenerRecord[]> {
  return tx.list("listener", { scope, parent: loadBalancer.loadBalancer.LoadBalancerArn ?? "" });
}

const createListener: Handler<CreateListenerInput, CreateListenerOutput> = async (input, ctx) => {
  const tags = input.Tags ?? [];
  checkTags(tags);
  return ctx.store.transaction(async (tx) => {
    const loadBalancer = await loadBalancerOf(tx, ctx, input.LoadBalancerArn ?? "");
    const type = loadBalancer.loadBalancer.Type ?? "application";
    protocolProblem(input.Protocol, input.Port, type);
    if (needsCertificate(input.Protocol) && !input.Certificates?.length) throw new ValidationError(`A certificate must be specified for ${input.Protocol} listeners`);
    if (!needsCertificate(input.Protocol) && (input.Certificates?.length || input.SslPolicy !== undefined)) {
      throw new ValidationError(`Certificates and an SSL policy can be specified only for HTTPS and TLS listeners`);
    }
    const actions = await checkedActions(tx, ctx, loadBalancer, input.DefaultActions ?? [], "defaultActions");
    const lbArn = loadBalancer.loadBalancer.LoadBalancerArn ?? "";
    const listener: Wire<Listener> = {
      ListenerArn: elbArns.listener(lbArn, elbId(ctx)),
      LoadBalancerArn: lbArn,
      Port: input.Port,
      Protocol: input.Protocol,
      ...(input.Certificates?.length ? { Certificates: input.Certificates.map((c) => ({ CertificateArn: c.CertificateArn })) } : {}),
      ...(needsCertificate(input.Protocol) ? { SslPolicy: input.SslPolicy ?? DEFAULT_SSL_POLICY } : {}),
      DefaultActions: actions,
      ...(input.AlpnPolicy?.length ? { AlpnPolicy: input.AlpnPolicy } : {}),
    };
    const existing = await listenersOf(tx, ctx.scope, loadBalancer);
    const onPort = existing.find((l) => l.listener.Port === input.Port);
    if (onPort) {
      if (settingsOf(onPort.listener) === settingsOf(listener)) return { Listeners: [onPort.listener] };
      throw new DuplicateListenerException(`A listener already exists on this port for this load balancer '${lbArn}'`);
    }
    if (existing.length >= MAX_LISTENERS_PER_LOAD_BALANCER) throw new TooManyListenersException(`A load balancer can have at most ${MAX_LISTENERS_PER_LOAD_BALANCER} listeners`);
    const record: ListenerRecord = { listener: { ...listener, DefaultActions: [] }, tags };
    await tx.put("listenerRule", { rule: defaultRuleOf(listener, elbArns.rule(listener.ListenerArn ?? "", elbId(ctx))), tags: [] });
    const stored = await replaceListenerDefaultActions(tx, ctx, record, actions, ctx.clock.now());
    return { Listeners: [stored.listener] };
  });
};

const describeListeners: Handler<DescribeListenersInput, DescribeListenersOutput> = async (input, ctx) => {
  const arns = input.ListenerArns ?? [];
  if (input.LoadBalancerArn === undefined && arns.length === 0) throw new ValidationError("You must specify either listener ARNs or a load balancer ARN");
  if (input.LoadBalancerArn !== undefined && arns.length) throw new ValidationError("Listener ARNs and a load balancer ARN cannot be specified at the same time");
  const build = (page: Wire<Listener>[], NextMarker?: string) => ({ Listeners: page, ...(NextMarker ? { NextMarker } : {}) });
  const key = (l: Wire<Listener>) => l.ListenerArn ?? "";
  return ctx.store.transaction(async (tx) => {
    if (arns.length) {
      const found = [];
      for (const arn of arns) found.push((await listenerOf(tx, ctx, arn)).listener);
      return pageOf(found, key, input, build);
    }
    const loadBalancer = await loadBalancerOf(tx, ctx, input.LoadBalancerArn ?? "");
    return pageOf((await listenersOf(tx, ctx.scope, loadBalancer)).map((l) => l.listener), key, input, build);
  });
};

const modifyListener: Handler<ModifyListenerInput, ModifyListenerOutput> = async (input, ctx) => {
  return ctx.store.transaction(async (tx) => {
    let record = await listenerOf(tx, ctx, input.ListenerArn ?? "");
    const loadBalancer = await loadBalancerOf(tx, ctx, record.listener.LoadBalancerArn ?? "");
    const type = loadBalancer.loadBalancer.Type ?? "application";
    const protocol = input.Protocol ?? record.listener.Protocol;
    const port = input.Port ?? record.listener.Port;
    protocolProblem(protocol, port, type);
    if (port !== record.listener.Port && (await listenersOf(tx, ctx.scope, loadBalancer)).some((l) => l.listener.Port === port)) {
      throw new DuplicateListenerException(`A listener already exists on this port for this load balancer '${loadBalancer.loadBalancer.LoadBalancerArn}'`);
    }
    const certificates = input.Certificates?.length ? input.Certificates.map((c) => ({ CertificateArn: c.CertificateArn })) : record.listener.Certificates;
    if (needsCertificate(protocol) && !certificates?.length) throw new ValidationError(`A certificate must be specified for ${protocol} listeners`);
    const listener: Wire<Listener> = { ...record.listener, Port: port, Protocol: protocol };
    if (needsCertificate(protocol)) {
      listener.Certificates = certificates;
      listener.SslPolicy = input.SslPolicy ?? record.listener.SslPolicy ?? DEFAULT_SSL_POLICY;
    } else {
      delete listener.Certificates;
      delete listener.SslPolicy;
    }
    if (input.AlpnPolicy !== undefined) listener.AlpnPolicy = input.AlpnPolicy;
    record = { ...record, listener };
    await tx.put("listener", record);
    if (input.DefaultActions !== undefined) record = await replaceListenerDefaultActions(tx, ctx, record, input.DefaultActions, ctx.clock.now());
    return { Listeners: [record.listener] };
  });
};

const deleteListener: Handler<DeleteListenerInput, DeleteListenerOutput> = async (input, ctx) => {
  await ctx.store.transaction(async (tx) => {
    const record = await listenerOf(tx, ctx, input.ListenerArn ?? "");
    const arn = record.listener.ListenerArn ?? "";
    const now = ctx.clock.now();
    for (const rule of await tx.list("listenerRule", { scope: ctx.scope, parent: arn })) {
      if (!rule.rule.IsDefault) await relinkTargetGroups(tx, rule.rule.RuleArn ?? "", rule.rule.Actions, undefined, now);
      await tx.remove("listenerRule", rule.rule.RuleArn ?? "");
    }
    await relinkTargetGroups(tx, arn, record.listener.DefaultActions, undefined, now);
    await tx.remove("listener", arn);
  });
  return {};
};

export const listenerHandlers = {
  CreateListener: createListener,
  DescribeListeners: describeListeners,
  ModifyListener: modifyListener,
  DeleteListener: deleteListener,
};
