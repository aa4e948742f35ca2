import { describe, expect, it } from "vitest";
import type { AssetState, AssetView } from "../bindings";
import { applyChange, createBatcher, mergeChanges, type AssetMap } from "./batch";

function view(id: string, state: AssetState, bytes_done = 0): AssetView {
  return {
    asset: {
      id, source_path: `/v/${id}.mov`, source_name: `${id}.mov`, size_bytes: 100, mtime_ns: 0,
      preset: "web", state, thumbnail_path: null, input_bucket: null, input_key: null, upload_id: null,
      bytes_done, bytes_total: 100, job_attempt: 0, job_id: null, job_status: null, job_phase: null,
      job_percent: null, waiting: null, error_kind: null, error_message: null, failed_stage: null,
      created_at_ms: 0, updated_at_ms: bytes_done, paused_from: null,
    },
    media: null,
    upload: null,
  };
}

describe("applyChange", () => {
  it("replaces changed assets in place and reports no reshape", () => {
    const assets: AssetMap = new Map([["a", view("a", "uploading")], ["b", view("b", "probed")]]);
    const reshaped = applyChange(assets, { assets: [view("a", "uploading", 50)], removed: [] });
    expect(reshaped).toBe(false);
    expect(assets.get("a")?.asset.bytes_done).toBe(50);
    expect([...assets.keys()]).toEqual(["a", "b"]);
  });
  it("reports additions and removals", () => {
    const assets: AssetMap = new Map([["a", view("a", "complete")]]);
    expect(applyChange(assets, { assets: [view("c", "added")], removed: [] })).toBe(true);
    expect(applyChange(assets, { assets: [], removed: ["a"] })).toBe(true);
    expect([...assets.keys()]).toEqual(["c"]);
    expect(applyChange(assets, { assets: [], removed: ["zzz"] })).toBe(false);
  });
});

describe("mergeChanges", () => {
  it("keeps the newest view per asset and lets a later add undo a removal", () => {
    const merged = mergeChanges([
      { assets: [view("a", "uploading", 10), view("b", "probed")], removed: [] },
      { assets: [view("a", "uploading", 60)], removed: ["b", "c"] },
      { assets: [view("c", "added")], removed: [] },
    ]);
    expect(merged.assets.map((v) => [v.asset.id, v.asset.bytes_done])).toEqual([["a", 60], ["c", 0]]);
    expect(merged.removed).toEqual(["b"]);
  });
});

describe("createBatcher", () => {
  it("flushes a burst of events once per tick, merged", () => {
    const ticks: (() => void)[] = [];
    const flushed: number[] = [];
    const push = createBatcher((c) => flushed.push(c.assets.length), (run) => ticks.push(run));
    for (let i = 0; i < 50; i++) push({ assets: [view(`a${i % 5}`, "uploading", i)], removed: [] });
    expect(ticks).toHaveLength(1);
    ticks[0]?.();
    expect(flushed).toEqual([5]);
    push({ assets: [view("a0", "uploaded")], removed: [] });
    expect(ticks).toHaveLength(2);
  });
});
