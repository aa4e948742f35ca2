// Progress arrives as `QueueChanged` batches (a few a second from Rust); the library keeps one
// reactive entry per asset and replaces only those that changed, and coalesces bursts of events
// into one update per animation frame, so hundreds of cards never re-render as a whole.
import type { AssetView, QueueChanged } from "../bindings";

/** The queue as the library holds it: id → newest view, in insertion (queue) order. */
export type AssetMap = Map<string, AssetView>;

/** Folds `change` into `assets`; returns whether anything was added or removed (order changed). */
export function applyChange(assets: AssetMap, change: QueueChanged): boolean {
  let reshaped = false;
  for (const id of change.removed) reshaped = assets.delete(id) || reshaped;
  for (const view of change.assets) {
    if (!assets.has(view.asset.id)) reshaped = true;
    assets.set(view.asset.id, view);
  }
  return reshaped;
}

/** Merges queued changes, the later winning per asset, into one. */
export function mergeChanges(changes: readonly QueueChanged[]): QueueChanged {
  const latest = new Map<string, AssetView>();
  const removed = new Set<string>();
  for (const change of changes) {
    for (const id of change.removed) {
      latest.delete(id);
      removed.add(id);
    }
    for (const view of change.assets) {
      removed.delete(view.asset.id);
      latest.set(view.asset.id, view);
    }
  }
  return { assets: [...latest.values()], removed: [...removed] };
}

/**
 * Collects changes and hands them to `flush` merged, once per `schedule` tick
 * (`requestAnimationFrame` in the app; a manual tick in tests).
 */
export function createBatcher(
  flush: (change: QueueChanged) => void,
  schedule: (run: () => void) => void,
): (change: QueueChanged) => void {
  let pending: QueueChanged[] = [];
  return (change) => {
    pending.push(change);
    if (pending.length > 1) return;
    schedule(() => {
      const batch = pending;
      pending = [];
      flush(mergeChanges(batch));
    });
  };
}
