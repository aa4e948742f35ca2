import { describe, expect, it } from "vitest";
import { parseLink } from "./api";
import { isInitSegment, reappendInitAfterAbort } from "./webkitgtk";
import { cannotPlay, detectEngine, explainPlayerError, missingCodec, REQUIRED_TYPES } from "./messages";
import { groupOutputs, kindOf } from "./outputs";
import { formatBitrate, toRenditions, type VariantLike } from "./renditions";
import { syncAction } from "./sync";

const v = (id: number, w: number, h: number, bw: number, active = false): VariantLike => ({
  id,
  active,
  bandwidth: bw,
  width: w,
  height: h,
  videoBandwidth: bw - 96_000,
  videoCodec: "avc1.64001f",
});

describe("renditions", () => {
  it("lists each rung once, tallest first, with size and bitrate", () => {
    const r = toRenditions([
      v(1, 640, 360, 800_000),
      v(2, 1280, 720, 3_000_000, true),
      v(3, 960, 540, 1_600_000),
      { ...v(4, 1280, 720, 3_000_000), id: 4 },
    ]);
    expect(r.map((x) => x.label)).toEqual(["720p", "540p", "360p"]);
    expect(r[0]).toMatchObject({ trackId: 2, active: true, detail: "1280×720 · 3.0 Mb/s · avc1" });
  });
  it("labels portrait rungs by their short side and skips audio-only variants", () => {
    const r = toRenditions([v(1, 720, 1280, 3_000_000), { ...v(2, 0, 0, 128_000), width: null, height: null }]);
    expect(r).toHaveLength(1);
    expect(r[0]?.label).toBe("720p");
  });
  it("formats bitrates", () => {
    expect(formatBitrate(128_000)).toBe("128 kb/s");
    expect(formatBitrate(2_450_000)).toBe("2.5 Mb/s");
    expect(formatBitrate(12_000_000)).toBe("12 Mb/s");
  });
});

describe("compare sync", () => {
  it("seeks on large drift, nudges the rate on small drift, holds when in step", () => {
    expect(syncAction(10, 8, false)).toEqual({ kind: "seek", to: 10 });
    const nudge = syncAction(10, 9.8, false);
    expect(nudge.kind).toBe("rate");
    expect(nudge.kind === "rate" && nudge.rate > 1).toBe(true);
    expect(syncAction(10, 10.01, false)).toEqual({ kind: "rate", rate: 1 });
    expect(syncAction(10, 9.9, true)).toEqual({ kind: "seek", to: 10 });
    expect(syncAction(10, 10, true)).toEqual({ kind: "none" });
  });
});

describe("outputs", () => {
  it("groups by folder and counts segments instead of listing them", () => {
    const g = groupOutputs([
      { path: "hls/trip.m3u8", size_bytes: 300, url: "u" },
      { path: "hls/trip_720p_00001.ts", size_bytes: 1000, url: "u" },
      { path: "hls/trip_720p_00002.ts", size_bytes: 1000, url: "u" },
      { path: "metadata.json", size_bytes: 50, url: "u" },
    ]);
    expect(g.map((x) => x.folder)).toEqual(["", "hls"]);
    expect(g[1]).toMatchObject({ totalBytes: 2300, segments: { count: 2, bytes: 2000 } });
    expect(g[1]?.files.map((f) => f.path)).toEqual(["hls/trip.m3u8"]);
    expect(kindOf("dash/x.mpd")).toBe("DASH manifest");
    expect(kindOf("thumbs/a.0000001.jpg")).toBe("image");
    expect(kindOf("dash/clip_360p_000000001.mp4")).toBe("segment");
    expect(kindOf("dash/clip_360pinit.mp4")).toBe("segment");
    expect(kindOf("mp4/clip_720p.mp4")).toBe("video");
    expect(kindOf("hls/clip_en_00001.vtt")).toBe("segment");
    expect(kindOf("preview/sprite.vtt")).toBe("scrub track");
    expect(kindOf("hls/clip_en.vtt")).toBe("captions");
    expect(kindOf("dash/clip_captions_en.ttml")).toBe("captions");
  });
});

describe("link and errors", () => {
  it("reads the asset and token from the fragment", () => {
    expect(parseLink("#asset=abc123&token=T-_x")).toEqual({ asset: "abc123", token: "T-_x" });
    expect(parseLink("#asset=abc")).toBeNull();
  });
  it("says an expired link plainly", () => {
    expect(explainPlayerError({ code: 1001, data: ["u", 403] })).toMatch(/expired/);
    expect(explainPlayerError({ code: 1002 })).toMatch(/stopped answering/);
    expect(explainPlayerError({ code: 4001 })).toMatch(/manifest/);
  });
});

describe("playback engine", () => {
  const webkitgtk =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15";
  const chromium = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
  const safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15";
  it("recognises the Linux app's WebKitGTK and nothing else as GStreamer-backed", () => {
    expect(detectEngine(webkitgtk).gstreamer).toBe(true);
    expect(detectEngine(chromium).gstreamer).toBe(false);
    expect(detectEngine(safari).gstreamer).toBe(false);
  });
  it("names the GStreamer packages when WebKitGTK lacks a decoder", () => {
    const gst = detectEngine(webkitgtk);
    expect(missingCodec(REQUIRED_TYPES, (t) => !t.includes("avc1"))).toBe(REQUIRED_TYPES[0]);
    expect(missingCodec(REQUIRED_TYPES, () => true)).toBeNull();
    expect(cannotPlay(gst)).toMatch(/gstreamer1\.0-libav/);
    expect(explainPlayerError({ code: 4032 }, gst)).toMatch(/gstreamer1\.0-plugins-bad.*4032/);
    expect(explainPlayerError({ code: 3016 }, detectEngine(chromium))).toMatch(/cannot decode/);
  });
});

describe("WebKitGTK abort shim", () => {
  const box = (type: string, n = 16) => {
    const b = new Uint8Array(n);
    b.set([0, 0, 0, n], 0);
    b.set([...type].map((c) => c.charCodeAt(0)), 4);
    return b;
  };
  it("tells init segments from media segments", () => {
    expect(isInitSegment(box("ftyp"))).toBe(true);
    expect(isInitSegment(box("moov"))).toBe(true);
    expect(isInitSegment(box("moof"))).toBe(false);
    expect(isInitSegment(box("styp"))).toBe(false);
    expect(isInitSegment(new Uint8Array(3))).toBe(false);
  });
  it("re-appends the last init segment after abort(), hidden from the page", async () => {
    const engine: string[] = [];
    class FakeBuffer extends EventTarget {
      updating = false;
      appendBuffer(data: BufferSource): void {
        if (this.updating) throw new Error("InvalidStateError: still updating");
        const u = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        engine.push(String.fromCharCode(...u.slice(4, 8)));
        this.updating = true;
        queueMicrotask(() => {
          this.dispatchEvent(new Event("updatestart"));
          this.updating = false;
          this.dispatchEvent(new Event("update"));
          this.dispatchEvent(new Event("updateend"));
        });
      }
      abort(): void {
        engine.push("abort");
      }
    }
    class FakeSource {
      addSourceBuffer(): FakeBuffer {
        return new FakeBuffer();
      }
    }
    reappendInitAfterAbort(
      FakeSource as unknown as { prototype: { addSourceBuffer(type: string): SourceBuffer } },
      FakeBuffer as unknown as { prototype: SourceBuffer },
    );
    const sb = new FakeSource().addSourceBuffer() as unknown as FakeBuffer;
    let seen = 0;
    sb.addEventListener("updateend", () => (seen += 1));
    const appended = async (data: Uint8Array<ArrayBuffer>) => {
      const before = seen;
      sb.appendBuffer(data);
      for (let i = 0; i < 20 && seen === before; i++) await Promise.resolve();
      expect(sb.updating).toBe(false);
    };
    await appended(box("ftyp"));
    await appended(box("moof"));
    sb.abort();
    await appended(box("moof"));
    await appended(box("moof"));
    expect(engine).toEqual(["ftyp", "moof", "abort", "ftyp", "moof", "moof"]);
    expect(seen).toBe(4);
  });
});

describe("clock", () => {
  it("formats minutes and hours", async () => {
    const { formatClock } = await import("./time");
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(65.9)).toBe("1:05");
    expect(formatClock(3725)).toBe("1:02:05");
    expect(formatClock(Number.NaN)).toBe("0:00");
  });
});
