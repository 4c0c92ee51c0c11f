// Time, injected: the real clock, or a virtual one that tests advance through /_ecslite/clock.
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  readonly virtual: boolean;
}

export class RealClock implements Clock {
  readonly virtual = false;
  now(): number {
    return Date.now();
  }
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  private current: number;
  constructor(start = Date.now()) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
