// The library's live model: every asset of the queue, kept current from `QueueChanged` events
// (batched per animation frame) after one initial `list_assets`.
import { SvelteMap } from "svelte/reactivity";
import type { AppError, AssetView, QueueChanged } from "../bindings";
import { listAssets, onQueueChanged } from "../lib/ipc";
import { applyChange, createBatcher } from "./batch";

export class Library {
  /** id → newest view. Replacing one entry re-renders only that asset's card. */
  readonly assets = new SvelteMap<string, AssetView>();
  loaded = $state(false);
  error = $state<AppError | null>(null);

  /** Loads the queue and follows it; returns the function that stops following. */
  async start(): Promise<() => void> {
    const push = createBatcher(
      (change: QueueChanged) => applyChange(this.assets, change),
      (run) => requestAnimationFrame(run),
    );
    // Listen first, so nothing that changes during the initial load is missed.
    const unlisten = await onQueueChanged(push);
    const outcome = await listAssets("all");
    if (outcome.ok) {
      for (const view of outcome.data) if (!this.assets.has(view.asset.id)) this.assets.set(view.asset.id, view);
      this.error = null;
    } else {
      this.error = outcome.error;
    }
    this.loaded = true;
    return unlisten;
  }

  /** Drops an asset at once after a successful remove (the next event would too). */
  forget(id: string): void {
    this.assets.delete(id);
  }
}
