// The UI's only door to Rust: typed wrappers over the generated bindings (../bindings.ts) that
// never reject — every call resolves to an Outcome whose error has a `kind` views can act on.
import { commands, type AppInfo, type MediaInfo } from "../bindings";
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
