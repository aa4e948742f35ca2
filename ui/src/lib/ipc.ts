// The UI's only door to Rust: typed wrappers over the generated bindings (../bindings.ts) that
// never reject — every call resolves to an Outcome whose error has a `kind` views can act on.
import type { UnlistenFn } from "@tauri-apps/api/event";
import {
  commands,
  events,
  type AddResult,
  type AppInfo,
  type AssetFilter,
  type AssetState,
  type AssetView,
  type CredentialsStatus,
  type MediaInfo,
  type PreviewLink,
  type QueueChanged,
  type QueueStatus,
  type Settings,
} from "../bindings";
import { settle, settleResult, type Outcome } from "./errors";

export type { Outcome } from "./errors";

/** The app version and the libav build the core runs with. */
export function appInfo(): Promise<Outcome<AppInfo>> {
  return settle(() => commands.appInfo());
}

/** Probes a media file on this machine (container, duration, streams). */
export function probeFile(path: string): Promise<Outcome<MediaInfo>> {
  return settleResult(() => commands.probeFile(path));
}

// --- The queue -------------------------------------------------------------------------------

/** Probes and queues files and folders; says what happened to each file. */
export function addPaths(paths: string[]): Promise<Outcome<AddResult[]>> {
  return settleResult(() => commands.addPaths(paths, null));
}

/** The assets passing `filter`, oldest first. */
export function listAssets(filter: AssetFilter): Promise<Outcome<AssetView[]>> {
  return settleResult(() => commands.listAssets(filter));
}

export function retryAsset(id: string): Promise<Outcome<AssetState>> {
  return settleResult(() => commands.retryAsset(id));
}

export function cancelAsset(id: string): Promise<Outcome<null>> {
  return settleResult(() => commands.cancelAsset(id));
}

/** Pauses an asset before its job is submitted (`not_pausable` after: cancel instead). */
export function pauseAsset(id: string): Promise<Outcome<null>> {
  return settleResult(() => commands.pauseAsset(id));
}

/** Resumes a paused asset; resolves to the state it goes back to. */
export function resumeAsset(id: string): Promise<Outcome<AssetState>> {
  return settleResult(() => commands.resumeAsset(id));
}

export function removeAsset(id: string): Promise<Outcome<null>> {
  return settleResult(() => commands.removeAsset(id));
}

/** A two-hour link to play a complete asset's outputs through the app's preview service. */
export function openPreview(id: string): Promise<Outcome<PreviewLink>> {
  return settleResult(() => commands.openPreview(id));
}

/** Who runs the queue and whether the backend is reachable. */
export function queueStatus(): Promise<Outcome<QueueStatus>> {
  return settle(() => commands.queueStatus());
}

/** Calls `handler` with each batch of changed assets; resolves to the unlisten function. */
export function onQueueChanged(handler: (change: QueueChanged) => void): Promise<UnlistenFn> {
  return events.queueChanged.listen((event) => handler(event.payload));
}

/** Calls `handler` whenever the queue's status changes. */
export function onQueueStatus(handler: (status: QueueStatus) => void): Promise<UnlistenFn> {
  return events.queueStatusChanged.listen((event) => handler(event.payload));
}

// --- Settings and credentials ------------------------------------------------------------------

export function getSettings(): Promise<Outcome<Settings>> {
  return settleResult(() => commands.getSettings());
}

export function saveSettings(settings: Settings): Promise<Outcome<Settings>> {
  return settleResult(() => commands.saveSettings(settings));
}

export function credentialsStatus(): Promise<Outcome<CredentialsStatus>> {
  return settleResult(() => commands.credentialsStatus());
}

export function storeCredentials(accessKeyId: string, secret: string): Promise<Outcome<CredentialsStatus>> {
  return settleResult(() => commands.storeCredentials(accessKeyId, secret));
}

export function deleteCredentials(): Promise<Outcome<CredentialsStatus>> {
  return settleResult(() => commands.deleteCredentials());
}

/** Connects with `settings` (saved or not) and checks the buckets and MediaConvert. */
export function testConnection(settings: Settings): Promise<Outcome<null>> {
  return settleResult(() => commands.testConnection(settings));
}
