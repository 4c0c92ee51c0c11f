// Which served AWS service a request is for, told apart as AWS's own frontends can: a JSON request
// names its target (`X-Amz-Target`), a Query request is a form (`Action=...`), and a signed request
// names its service in the SigV4 credential scope. Decided from the request line and headers alone,
// so that even a refusal before the body is read (413) is answered in the service's own form.
import type { IncomingHttpHeaders } from "node:http";
import { parseCredentialScope } from "./identity";
import type { ServiceEndpoint } from "./protocol";
import { FORM_CONTENT_TYPE } from "./query";

export interface ServedServices {
  /** JSON services by their X-Amz-Target prefix (the part before the dot). */
  readonly byTargetPrefix: ReadonlyMap<string, ServiceEndpoint>;
  /** Every service by its SigV4 signing name. */
  readonly bySigningName: ReadonlyMap<string, ServiceEndpoint>;
  /** The service answering unsigned forms (the one Query service). */
  readonly query: ServiceEndpoint;
  /** The service answering anything else (ECS: what ecslite has always served). */
  readonly fallback: ServiceEndpoint;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function serviceFor(method: string, url: string, headers: IncomingHttpHeaders, services: ServedServices): ServiceEndpoint {
  const target = header(headers, "x-amz-target");
  if (target !== undefined) {
    const dot = target.indexOf(".");
    return services.byTargetPrefix.get(dot > 0 ? target.slice(0, dot) : target) ?? services.fallback;
  }
  const scope = parseCredentialScope(header(headers, "authorization"));
  const signed = scope ? services.bySigningName.get(scope.service) : undefined;
  if (signed) return signed;
  const contentType = (header(headers, "content-type") ?? "").toLowerCase();
  if (contentType.startsWith(FORM_CONTENT_TYPE)) return services.query;
  if (method === "GET" && /[?&]Action=/.test(url)) return services.query;
  return services.fallback;
}
