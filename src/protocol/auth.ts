// Authentication and authorization modes:
//   off   - any credentials; the account comes from the access key mapping (the laptop default);
//   sigv4 - every request must carry a valid SigV4 signature of a key in the credentials file;
//   iam   - sigv4, and each call must be allowed by the principal's identity policies.
import type { Config } from "../config";
import { accessDeniedMessage, evaluate, readsResourceTags } from "../domain/iam";
import { authorizationTargets } from "../domain/resources";
import type { Clock } from "../scheduler/clock";
import type { Authenticator, Authorizer } from "./dispatch";
import { AccessDeniedException } from "./errors";
import { type AccountResolver, type CallerIdentity, identify } from "./identity";
import { type Credential, isRootPrincipal, loadCredentials } from "./credentials";
import { SigV4Verifier } from "./sigv4";

export interface Auth {
  authenticate: Authenticator;
  authorize?: Authorizer;
}

/** Tags of a resource by ARN, for aws:ResourceTag conditions (undefined when it does not exist). */
export type ResourceTagLookup = (arn: string) => Promise<readonly { key?: string; value?: string }[] | undefined>;

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function createAuth(config: Config, clock: Clock, resolveAccount: AccountResolver, resourceTags: ResourceTagLookup): Auth {
  if (config.auth === "off") {
    return { authenticate: (request) => identify(headerValue(request.headers.authorization), resolveAccount) };
  }
  if (!config.credentialsFile) throw new Error(`--auth ${config.auth} needs --credentials FILE (access keys, secrets and policies; see docs/auth.md)`);
  const credentials = loadCredentials(config.credentialsFile);
  const verifier = new SigV4Verifier((accessKeyId) => credentials.get(accessKeyId));
  const principals = new Map<string, Credential>([...credentials.values()].map((c) => [c.principalArn, c]));

  const authenticate: Authenticator = async (request) => {
    const auth = await verifier.verify(request, clock.now());
    const credential = credentials.get(auth.accessKeyId) as Credential;
    const identity: CallerIdentity = { accessKeyId: auth.accessKeyId, account: credential.accountId, region: auth.region, principal: credential.principalArn };
    return identity;
  };
  if (config.auth === "sigv4") return { authenticate };

  const authorize: Authorizer = async (operation, input, caller) => {
    const credential = principals.get(caller.principal);
    if (!credential || isRootPrincipal(credential.principalArn)) return;
    const action = `ecs:${operation}`;
    const needsTags = readsResourceTags(credential.policies);
    for (const target of authorizationTargets(operation, input, caller)) {
      let conditionContext: Record<string, string | readonly string[]> = {
        ...target.context,
        "aws:PrincipalArn": caller.principal,
        "aws:PrincipalAccount": caller.account,
        "aws:RequestedRegion": caller.region,
      };
      if (needsTags && target.resource !== "*") {
        for (const tag of (await resourceTags(target.resource)) ?? []) {
          if (tag.key) conditionContext = { ...conditionContext, [`aws:ResourceTag/${tag.key}`]: tag.value ?? "" };
        }
      }
      const decision = evaluate(credential.policies, { action, resource: target.resource, context: conditionContext });
      if (decision !== "Allow") throw new AccessDeniedException(accessDeniedMessage(caller.principal, action, target.resource, decision));
    }
  };
  return { authenticate, authorize };
}
