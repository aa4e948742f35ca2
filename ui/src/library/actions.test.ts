import { describe, expect, it } from "vitest";
import type { AssetState } from "../bindings";
import { cardActions, isPausable } from "./actions";

describe("cardActions", () => {
  it("offers pause (and cancel) until the job is submitted", () => {
    for (const s of ["added", "probed", "uploading", "uploaded"] as AssetState[]) {
      expect(cardActions(s)).toEqual(["pause", "cancel"]);
    }
  });
  it("offers only cancel once the job exists: MediaConvert jobs cannot be paused", () => {
    expect(cardActions("submitted")).toEqual(["cancel"]);
    expect(cardActions("transcoding")).toEqual(["cancel"]);
  });
  it("offers resume and cancel for a paused asset, never pause", () => {
    expect(cardActions("paused")).toEqual(["resume", "cancel"]);
  });
  it("offers retry and remove for failed and canceled assets, remove alone when complete", () => {
    expect(cardActions("failed")).toEqual(["retry", "remove"]);
    expect(cardActions("canceled")).toEqual(["retry", "remove"]);
    expect(cardActions("complete")).toEqual(["remove"]);
  });
  it("never offers pause and resume together", () => {
    const all: AssetState[] = [
      "added", "probed", "uploading", "uploaded", "submitted", "transcoding", "complete", "failed", "canceled", "paused",
    ];
    for (const s of all) {
      const a = cardActions(s);
      expect(a.includes("pause") && a.includes("resume")).toBe(false);
      expect(isPausable(s)).toBe(a.includes("pause"));
    }
  });
});
