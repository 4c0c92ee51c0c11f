// What every operation handler receives besides its input.
import type { Config } from "../config";
import type { Clock } from "../scheduler/clock";
import type { Store } from "../store/store";
import type { Scope } from "../domain/arn";
import type { Wire } from "../protocol/wire";

export interface IdSource {
  /** 32 hex characters, as ECS container instance ids. */
  hex32(): string;
  /**
   * 32 hex characters for a task id, in creation order: the first 12 are the time in milliseconds.
   * ECS task ids are opaque; ordered ones land at the end of the store's ARN-ordered indexes instead
   * of all over them, which makes the scheduler's writes of thousands of new tasks far cheaper.
   */
  taskId(): string;
  /** 19 decimal digits, as in task set ids "ecs-svc/<digits>". */
  digits19(): string;
  uuid(): string;
  /** `length` characters of [A-Za-z0-9_-], as in service deployment ids and lifecycle hook ids. */
  token(length: number): string;
}

export interface RequestContext extends Scope {
  /** "<account>/<region>" */
  readonly scope: string;
  /** The caller's principal ARN (for messages and auth). */
  readonly principal: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** Settings handlers need (task step time, stopped-task retention). */
  readonly config: Readonly<Config>;
  /** Tells the scheduler that desired state changed (a hint; the loop also polls). */
  readonly wakeScheduler: () => void;
}

export type Handler<I, O> = (input: Wire<I>, ctx: RequestContext) => Promise<Wire<O>>;

/** A handler as the dispatcher sees it: input already decoded against the model. */
export type AnyHandler = (input: never, ctx: RequestContext) => Promise<unknown>;
