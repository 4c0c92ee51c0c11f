// A store that cannot serve a transaction now is answered, for every service, with an error every
// AWS SDK retries: contention as a throttling error, an unreachable database as 503. Never a fault.
import { ServiceUnavailableException, ThrottlingException } from "./errors";
import { StoreContentionError, StoreUnavailableError } from "../store/faults";

/** The API error for a store fault, or the error itself when it is something else. */
export function apiErrorOfStoreFault(error: unknown): unknown {
  // ECS's words for throttling (e.g. wellcomecollection/platform issue 650, widdix/aws-cf-templates issue 260).
  if (error instanceof StoreContentionError) return new ThrottlingException("Rate exceeded");
  if (error instanceof StoreUnavailableError) return new ServiceUnavailableException(`ecslite's store is unavailable (${error.message}); retry later.`);
  return error;
}
