import { describe, expect, it } from "vitest";
import { indicator } from "./connection";

describe("indicator", () => {
  it("says offline with the runner's reason", () => {
    const i = indicator({ role: "runner", backend: "aws", reach: { state: "offline", reason: "connection refused" }, error: null });
    expect(i.tone).toBe("warn");
    expect(i.label).toBe("aws · offline");
    expect(i.detail).toContain("connection refused");
  });
  it("says online once a call went through", () => {
    expect(indicator({ role: "runner", backend: "local", reach: { state: "online" }, error: null }).label).toBe("local · online");
  });
  it("shows a stopped queue's error", () => {
    const i = indicator({ role: "stopped", backend: null, reach: { state: "unknown" }, error: { kind: "credentials", message: "no keys" } });
    expect(i).toEqual({ tone: "bad", label: "queue stopped", detail: "no keys" });
  });
  it("is neutral before the status arrives and while following", () => {
    expect(indicator(null).tone).toBe("idle");
    expect(indicator({ role: "follower", backend: "local", reach: { state: "unknown" }, error: null }).tone).toBe("idle");
  });
});
