// The outputs list: files grouped by folder, each with a kind the creator recognises.

import type { OutputFile } from "./api";

export type OutputKind =
  | "HLS playlist"
  | "DASH manifest"
  | "segment"
  | "video"
  | "audio"
  | "image"
  | "captions"
  | "scrub track"
  | "metadata"
  | "file";

/** Media segments and init segments as MediaConvert and ffmpeg name them (`_00001.ts`, `init.mp4`). */
const SEGMENT = /(?:[_.-]\d{5,}\.(?:ts|mp4|m4s|cmfv|cmfa|aac|vtt)|init\.mp4|\.(?:m4s|cmfv|cmfa))$/i;

export function kindOf(path: string): OutputKind {
  if (SEGMENT.test(path)) return "segment";
  if (path.endsWith("preview/sprite.vtt")) return "scrub track";
  const ext = path.split(".").pop()?.toLowerCase() ?? "";
  if (ext === "m3u8") return "HLS playlist";
  if (ext === "mpd") return "DASH manifest";
  if (ext === "ts") return "segment";
  if (["mp4", "m4v", "mov", "webm"].includes(ext)) return "video";
  if (["mp3", "m4a"].includes(ext)) return "audio";
  if (["jpg", "jpeg", "png"].includes(ext)) return "image";
  if (["vtt", "srt", "ttml", "dfxp", "xml"].includes(ext)) return "captions";
  if (ext === "json") return "metadata";
  return "file";
}

export interface OutputGroup {
  folder: string;
  totalBytes: number;
  /** Files listed one by one (segments are summarised instead). */
  files: OutputFile[];
  segments: { count: number; bytes: number };
}

/** Groups by top folder; segments are counted, not listed: a ladder has thousands. */
export function groupOutputs(files: OutputFile[]): OutputGroup[] {
  const groups = new Map<string, OutputGroup>();
  for (const f of files) {
    const folder = f.path.includes("/") ? f.path.slice(0, f.path.indexOf("/")) : "";
    let g = groups.get(folder);
    if (!g) {
      g = { folder, totalBytes: 0, files: [], segments: { count: 0, bytes: 0 } };
      groups.set(folder, g);
    }
    g.totalBytes += f.size_bytes;
    if (kindOf(f.path) === "segment") {
      g.segments.count += 1;
      g.segments.bytes += f.size_bytes;
    } else {
      g.files.push(f);
    }
  }
  return [...groups.values()].sort((a, b) => a.folder.localeCompare(b.folder));
}
