// The SDK's types describe timestamps as Date; on the wire (and in the store) ECS sends epoch
// seconds. Wire<T> is the SDK type T as it travels: the same members, timestamps as numbers.
// Free-form JSON members (documents, such as a lifecycle hook's hookDetails) travel as they are.
import type { DocumentType } from "@smithy/types";

export type Wire<T> = T extends Date ? number : T extends DocumentType ? T : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

/** Epoch seconds with millisecond fractions, as ECS sends them. */
export function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}
