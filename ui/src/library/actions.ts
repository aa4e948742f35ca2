// What a library card offers for an asset, decided from its state alone (the same rules the core
// enforces: a command offered here is one the core accepts).
import type { AssetState } from "../bindings";
import { isFinished } from "./filters";

export type CardAction = "pause" | "resume" | "cancel" | "retry" | "remove";

/** Before the MediaConvert job exists (mirrors the core's `AssetState::PAUSABLE`); a submitted
 *  job cannot be paused, only canceled. */
const PAUSABLE: readonly AssetState[] = ["added", "probed", "uploading", "uploaded"];

export function isPausable(state: AssetState): boolean {
  return PAUSABLE.includes(state);
}

/** The actions a card shows for an asset in `state`, in button order. */
export function cardActions(state: AssetState): CardAction[] {
  const actions: CardAction[] = [];
  if (isPausable(state)) actions.push("pause");
  if (state === "paused") actions.push("resume");
  if (!isFinished(state)) actions.push("cancel");
  if (state === "failed" || state === "canceled") actions.push("retry");
  if (isFinished(state)) actions.push("remove");
  return actions;
}

/** Button labels. */
export const ACTION_LABELS: Record<CardAction, string> = {
  pause: "Pause",
  resume: "Resume",
  cancel: "Cancel",
  retry: "Retry",
  remove: "Remove",
};
