// Task set scale: computedDesiredCount = ceil(service desiredCount x scale%), always rounded up.

/** The number of tasks a task set at `percent` of a service of `desiredCount` should run. */
export function computeDesiredCount(desiredCount: number, percent: number): number {
  // Multiply before dividing, and trim floating-point noise, so 10 x 30% is 3, not ceil(3.0000000000000004).
  const exact = (desiredCount * percent) / 100;
  const rounded = Math.round(exact * 1e9) / 1e9;
  return Math.ceil(rounded);
}

/** A reason the scale is refused, or undefined. */
export function scaleProblem(scale: { value?: number; unit?: string }): string | undefined {
  if (scale.unit !== undefined && scale.unit !== "PERCENT") return "The scale unit must be PERCENT.";
  if (scale.value === undefined) return undefined;
  if (!(scale.value >= 0 && scale.value <= 100)) return `The scale value must be between 0 and 100 (got ${scale.value}).`;
  return undefined;
}
