// Capacity provider strategies: ECS's rules for a valid strategy, and how tasks split across it.
import type { CapacityProviderStrategyItem } from "@aws-sdk/client-ecs";

export const MAX_STRATEGY_PROVIDERS = 6;

/** A reason the strategy is refused, or undefined when it is valid. */
export function capacityProviderStrategyProblem(strategy: readonly CapacityProviderStrategyItem[]): string | undefined {
  if (strategy.length === 0) return undefined;
  if (strategy.length > MAX_STRATEGY_PROVIDERS) return `The capacity provider strategy cannot contain more than ${MAX_STRATEGY_PROVIDERS} capacity providers.`;
  const names = new Set<string>();
  for (const item of strategy) {
    if (!item.capacityProvider) return "The capacity provider strategy contains an item without a capacityProvider.";
    if (names.has(item.capacityProvider)) return `The capacity provider strategy contains '${item.capacityProvider}' more than once.`;
    names.add(item.capacityProvider);
    if (item.weight !== undefined && (!Number.isInteger(item.weight) || item.weight < 0 || item.weight > 1000)) return "The capacity provider strategy weight must be an integer between 0 and 1000.";
    if (item.base !== undefined && (!Number.isInteger(item.base) || item.base < 0 || item.base > 100000)) return "The capacity provider strategy base must be an integer between 0 and 100000.";
  }
  if (strategy.filter((item) => (item.base ?? 0) > 0).length > 1) return "Only one capacity provider in a capacity provider strategy can have a base defined.";
  if (strategy.length > 1 && !strategy.some((item) => (item.weight ?? 0) > 0)) return "At least one capacity provider in a capacity provider strategy must have a weight greater than zero.";
  return undefined;
}

/**
 * Which provider each of `existing + count` tasks goes to: the base first on its provider, then the
 * remainder by weight (weights 1 and 4 put 1 of every 5 on the first). `existing` counts tasks already
 * placed per provider, so adding tasks keeps the split as if all were placed at once.
 */
export function splitByStrategy(strategy: readonly CapacityProviderStrategyItem[], existing: ReadonlyMap<string, number>, count: number): string[] {
  const placed = new Map<string, number>();
  for (const item of strategy) placed.set(item.capacityProvider ?? "", existing.get(item.capacityProvider ?? "") ?? 0);
  const result: string[] = [];
  const baseItem = strategy.find((item) => (item.base ?? 0) > 0);
  const weighted = strategy.filter((item) => (item.weight ?? 0) > 0);
  for (let i = 0; i < count; i++) {
    let chosen: string | undefined;
    if (baseItem && (placed.get(baseItem.capacityProvider ?? "") ?? 0) < (baseItem.base ?? 0)) {
      chosen = baseItem.capacityProvider;
    } else if (weighted.length > 0) {
      // The provider furthest below its weighted share of the tasks beyond the base.
      const baseTasks = baseItem ? Math.min(baseItem.base ?? 0, placed.get(baseItem.capacityProvider ?? "") ?? 0) : 0;
      const total = [...placed.values()].reduce((a, b) => a + b, 0) - baseTasks + 1;
      const totalWeight = weighted.reduce((a, item) => a + (item.weight ?? 0), 0);
      let bestDeficit = -Infinity;
      for (const item of weighted) {
        const name = item.capacityProvider ?? "";
        const own = (placed.get(name) ?? 0) - (item === baseItem ? baseTasks : 0);
        const deficit = (total * (item.weight ?? 0)) / totalWeight - own;
        if (deficit > bestDeficit + 1e-9) {
          bestDeficit = deficit;
          chosen = name;
        }
      }
    } else {
      chosen = baseItem?.capacityProvider ?? strategy[0]?.capacityProvider;
    }
    const name = chosen ?? "";
    placed.set(name, (placed.get(name) ?? 0) + 1);
    result.push(name);
  }
  return result;
}
