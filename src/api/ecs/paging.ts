// maxResults / nextToken pagination over ARN-ordered store listings.
import { decodeNextToken, encodeNextToken } from "../../domain/pagination";
import { InvalidParameterException } from "../../protocol/errors";

export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export async function listPage<T>(
  input: { maxResults?: number; nextToken?: string },
  fetch: (afterArn: string | undefined, limit: number) => T[] | Promise<T[]>,
  arnOf: (item: T) => string,
  keep: (item: T) => boolean = () => true,
  maxPageSize = MAX_PAGE_SIZE,
): Promise<Page<T>> {
  const pageSize = input.maxResults ?? maxPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
    throw new InvalidParameterException(`maxResults must be an integer between 1 and ${maxPageSize}.`);
  }
  let after: string | undefined;
  if (input.nextToken !== undefined) {
    after = decodeNextToken(input.nextToken);
    if (after === undefined) throw new InvalidParameterException("Invalid nextToken.");
  }
  const items: T[] = [];
  // Read one more than a page so we know whether another page follows.
  for (;;) {
    const batch = await fetch(after, pageSize + 1);
    for (const item of batch) {
      if (keep(item)) items.push(item);
      if (items.length > pageSize) {
        items.length = pageSize;
        return { items, nextToken: encodeNextToken(arnOf(items[pageSize - 1])) };
      }
    }
    if (batch.length < pageSize + 1) return { items };
    after = arnOf(batch[batch.length - 1]);
  }
}
