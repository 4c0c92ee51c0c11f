// Authentication and authorization modes (--auth off | sigv4 | iam).
import type { Config } from "../config";
import type { Clock } from "../scheduler/clock";
import type { Authenticator, Authorizer } from "./dispatch";
import { type AccountResolver, identify } from "./identity";

export interface Auth {
  authenticate: Authenticator;
  authorize?: Authorizer;
}

export async function createAuth(config: Config, _clock: Clock, resolveAccount: AccountResolver): Promise<Auth> {
  if (config.auth !== "off") throw new Error(`--auth ${config.auth} is not available in this build; use --auth off`);
  return { authenticate: (request) => identify(headerValue(request.headers.authorization), resolveAccount) };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
