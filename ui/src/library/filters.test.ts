import { describe, expect, it } from "vitest";
import type { AssetState } from "../bindings";
import { countByFilter, isFinished, matchesFilter } from "./filters";

describe("matchesFilter", () => {
  it("shows everything under all", () => {
    expect(matchesFilter("all", "uploading")).toBe(true);
    expect(matchesFilter("all", "canceled")).toBe(true);
  });
  it("takes every unfinished state as in progress", () => {
    for (const s of ["added", "probed", "uploading", "uploaded", "submitted", "transcoding", "paused"] as AssetState[]) {
      expect(matchesFilter("active", s)).toBe(true);
    }
    expect(matchesFilter("active", "complete")).toBe(false);
  });
  it("matches finished filters exactly", () => {
    expect(matchesFilter("failed", "failed")).toBe(true);
    expect(matchesFilter("failed", "canceled")).toBe(false);
    expect(matchesFilter("complete", "transcoding")).toBe(false);
  });
  it("has a paused filter that shows only paused assets", () => {
    expect(matchesFilter("paused", "paused")).toBe(true);
    expect(matchesFilter("paused", "uploading")).toBe(false);
  });
});

describe("countByFilter", () => {
  it("counts each asset under all and its own filter", () => {
    const counts = countByFilter(["uploading", "complete", "failed", "failed", "paused"]);
    expect(counts).toEqual({ all: 5, active: 2, complete: 1, failed: 2, canceled: 0, paused: 1 });
  });
});

describe("isFinished", () => {
  it("knows the terminal states", () => {
    expect(isFinished("canceled")).toBe(true);
    expect(isFinished("submitted")).toBe(false);
    expect(isFinished("paused")).toBe(false);
  });
});
