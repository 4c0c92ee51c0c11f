// The SDK's types describe timestamps as Date; on the wire (and in the store) ECS sends epoch
// seconds. Wire<T> is the SDK type T as it travels: the same members, timestamps as numbers.
export type Wire<T> = T extends Date ? number : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

/** Epoch seconds with millisecond fractions, as ECS sends them. */
export function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}
