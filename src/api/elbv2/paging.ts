// ELB's paging: Marker and PageSize (1-400) in, NextMarker out. A marker is the last ARN returned,
// encoded; items are listed in ARN order.
import { decodeNextToken, encodeNextToken } from "../../domain/pagination";
import { rangeProblem } from "../../domain/elbv2Rules";
import { ValidationError } from "./errors";
import { refuseIf } from "./resolve";

export const MAX_PAGE_SIZE = 400;

export function pageOf<T, O>(items: readonly T[], keyOf: (item: T) => string, input: { Marker?: string; PageSize?: number }, build: (page: T[], nextMarker?: string) => O): O {
  refuseIf(rangeProblem(input.PageSize, "pageSize", 1, MAX_PAGE_SIZE));
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  let start = 0;
  if (input.Marker !== undefined) {
    const after = decodeNextToken(input.Marker);
    if (after === undefined) throw new ValidationError("The marker is not valid; pass the NextMarker of a previous response");
    start = sorted.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = sorted.length;
  }
  const size = input.PageSize ?? MAX_PAGE_SIZE;
  const page = sorted.slice(start, start + size);
  const more = start + size < sorted.length;
  return build(page, more && page.length ? encodeNextToken(keyOf(page[page.length - 1])) : undefined);
}
