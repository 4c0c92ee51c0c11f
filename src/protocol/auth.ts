// Authentication and authorization modes:
//   off   - any credentials; the account comes from the access key mapping (the laptop default);
//   sigv4 - every request must carry a valid SigV4 signature of a key in the credentials file;
//   iam   - sigv4, and each call must be allowed by the principal's identity policies.
import type { Config } from "../config";
import { accessDeniedMessage, PolicyDecisions, readsResourceTags } from "../domain/iam";
import { scopeOfAnyArn } from "../domain/arn";
import { type AuthorizationTarget, authorizationTargets } from "../domain/resources";
import type { Clock } from "../scheduler/clock";
import type { ApiRequest, Authenticator, Authorizer } from "./dispatch";
import { AccessDeniedException } from "./errors";
import { type AccountResolver, type CallerIdentity, identify } from "./identity";
import { type Credential, isRootPrincipal, loadCredentials } from "./credentials";
import { SigV4Verifier } from "./sigv4";

export interface Auth {
  authenticate: Authenticator;
  authorize?: Authorizer;
  /**
   * Admits a request to a control endpoint (reset, clock, settle): with auth on, it must be signed
   * like an API request by a credential marked `controlEndpoints: true`. Throws an ApiError to refuse.
   */
  authorizeControl: (request: ApiRequest, action: string) => void;
}

/** What a control endpoint answers a signed caller whose credential may not use it (HTTP 403). */
export class ControlAccessDeniedException extends AccessDeniedException {
  override readonly status = 403;
}

/**
 * Tags of a resource by ARN (of any served service), for aws:ResourceTag conditions (undefined when
 * it does not exist). Only asked about the caller's account and region.
 */
export type ResourceTagLookup = (arn: string) => Promise<readonly { key?: string; value?: string }[] | undefined>;

function inCallerScope(arn: string, caller: CallerIdentity): boolean {
  const scope = scopeOfAnyArn(arn);
  return scope !== undefined && scope.account === caller.account && scope.region === caller.region;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function createAuth(config: Config, clock: Clock, resolveAccount: AccountResolver, resourceTags: ResourceTagLookup): Auth {
  if (config.auth === "off") {
    return { authenticate: (request) => identify(headerValue(request.headers.authorization), resolveAccount), authorizeControl: () => undefined };
  }
  if (!config.credentialsFile) throw new Error(`--auth ${config.auth} needs --credentials FILE (access keys, secrets and policies; see docs/auth.md)`);
  const credentials = loadCredentials(config.credentialsFile);
  const verifier = new SigV4Verifier((accessKeyId) => credentials.get(accessKeyId));

  const authenticate: Authenticator = (request, service) => {
    const { accessKeyId, region } = verifier.verify(request, clock.now(), service.signingName);
    const credential = credentials.get(accessKeyId) as Credential;
    return { accessKeyId, account: credential.accountId, region, principal: credential.principalArn };
  };
  const authorizeControl = (request: ApiRequest, action: string): void => {
    // Control endpoints are ecslite's own; they are signed as ECS requests are.
    const { accessKeyId } = verifier.verify(request, clock.now(), "ecs");
    const credential = credentials.get(accessKeyId) as Credential;
    if (!credential.controlEndpoints) {
      throw new ControlAccessDeniedException(
        `User: ${credential.principalArn} is not authorized to perform: ${action}: ecslite's control endpoints need a credential with \`controlEndpoints: true\` in the credentials file`,
      );
    }
  };
  if (config.auth === "sigv4") return { authenticate, authorizeControl };

  // What each credential's checks need, worked out once: whether it is a root user (no policies
  // apply), whether its policies read resource tags (those that never do spare the store a read
  // per checked resource), and its decisions so far.
  const policyChecks = new Map(
    [...credentials.values()].map((c) => [c.accessKeyId, { root: isRootPrincipal(c.principalArn), readsTags: readsResourceTags(c.policies), decisions: new PolicyDecisions(c.policies) }]),
  );

  /** The request's condition context for a target: the target's keys, then the caller's. */
  const contextOf = (target: AuthorizationTarget, caller: CallerIdentity): Record<string, string | readonly string[]> =>
    // Object.assign: a spread copy given new members costs Node 20's V8 a new hidden class per call.
    Object.assign({}, target.context, {
      "aws:PrincipalArn": caller.principal,
      "aws:PrincipalAccount": caller.account,
      "aws:RequestedRegion": caller.region,
    });
  const check = (decisions: PolicyDecisions, target: AuthorizationTarget, context: Record<string, string | readonly string[]>, caller: CallerIdentity): void => {
    const decision = decisions.decide({ action: target.action, resource: target.resource, context });
    if (decision !== "Allow") throw new AccessDeniedException(accessDeniedMessage(caller.principal, target.action, target.resource, decision));
  };
  /** With policies that read resource tags: each target's tags are read from the store first. */
  const checkReadingTags = async (decisions: PolicyDecisions, signingName: string, targets: readonly AuthorizationTarget[], caller: CallerIdentity): Promise<void> => {
    for (const target of targets) {
      const context = contextOf(target, caller);
      // Tags are read only for the caller's own resources: another account's ARN must answer exactly
      // as a resource that does not exist, or a tag condition would tell whether it exists and how it is tagged.
      if (!target.resource.endsWith("*") && inCallerScope(target.resource, caller)) {
        for (const tag of (await resourceTags(target.resource)) ?? []) {
          if (!tag.key) continue;
          context[`aws:ResourceTag/${tag.key}`] = tag.value ?? "";
          context[`${signingName}:ResourceTag/${tag.key}`] = tag.value ?? "";
        }
      }
      check(decisions, target, context, caller);
    }
  };

  // Synchronous unless tags must be read: a promise awaited per request costs the others a turn.
  const authorize: Authorizer = (service, operation, input, caller) => {
    const checks = caller.accessKeyId === undefined ? undefined : policyChecks.get(caller.accessKeyId);
    if (!checks) throw new AccessDeniedException(accessDeniedMessage(caller.principal, `${service.signingName}:${operation}`, "*", "ImplicitDeny"));
    if (checks.root) return;
    const targets = authorizationTargets(service.signingName, operation, input, caller);
    if (checks.readsTags) return checkReadingTags(checks.decisions, service.signingName, targets, caller);
    for (const target of targets) check(checks.decisions, target, contextOf(target, caller), caller);
  };
  return { authenticate, authorize, authorizeControl };
}
