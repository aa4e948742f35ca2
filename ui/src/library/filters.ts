// Which assets the library shows: a status filter over the queue's states.
import type { AssetFilter, AssetState } from "../bindings";

/** The filters in the order the bar shows them. */
export const FILTERS: readonly { value: AssetFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "active", label: "In progress" },
  { value: "complete", label: "Ready" },
  { value: "failed", label: "Failed" },
  { value: "canceled", label: "Canceled" },
  { value: "paused", label: "Paused" },
];

const FINISHED: readonly AssetState[] = ["complete", "failed", "canceled"];

/** Nothing more happens to the asset unless it is retried (mirrors the core's `is_terminal`). */
export function isFinished(state: AssetState): boolean {
  return FINISHED.includes(state);
}

/** Whether an asset in `state` passes `filter` (the same rule as the `list_assets` command). */
export function matchesFilter(filter: AssetFilter, state: AssetState): boolean {
  switch (filter) {
    case "all":
      return true;
    case "active":
      return !isFinished(state);
    default:
      return state === filter;
  }
}

/** How many assets each filter would show, for the counts on the filter bar. */
export function countByFilter(states: Iterable<AssetState>): Record<AssetFilter, number> {
  const counts: Record<AssetFilter, number> = { all: 0, active: 0, complete: 0, failed: 0, canceled: 0, paused: 0 };
  for (const state of states) {
    for (const { value } of FILTERS) if (matchesFilter(value, state)) counts[value] += 1;
  }
  return counts;
}
