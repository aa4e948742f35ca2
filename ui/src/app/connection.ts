// The header's connection indicator: one word and a colour from the queue's status.
import type { QueueStatus } from "../bindings";

export type Indicator = { tone: "ok" | "warn" | "bad" | "idle"; label: string; detail: string };

export function indicator(status: QueueStatus | null): Indicator {
  if (!status || status.role === "starting") return { tone: "idle", label: "starting…", detail: "" };
  if (status.role === "stopped") {
    return { tone: "bad", label: "queue stopped", detail: status.error?.message ?? "" };
  }
  const backend = status.backend ?? "backend";
  if (status.role === "follower") {
    return { tone: "idle", label: `${backend} · following`, detail: "another vodstudio process runs the queue" };
  }
  switch (status.reach.state) {
    case "online":
      return { tone: "ok", label: `${backend} · online`, detail: "" };
    case "offline":
      return { tone: "warn", label: `${backend} · offline`, detail: `${status.reach.reason} — work resumes by itself` };
    default:
      return { tone: "ok", label: `${backend} · ready`, detail: "nothing has needed the backend yet" };
  }
}
