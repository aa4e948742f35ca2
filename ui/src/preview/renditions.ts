// Turning the player's variant tracks into the rendition picker's rungs.

/** The fields of a shaka variant track the picker uses. */
export interface VariantLike {
  id: number;
  active: boolean;
  bandwidth: number;
  width: number | null;
  height: number | null;
  videoBandwidth?: number | null;
  videoCodec?: string | null;
  audioCodec?: string | null;
}

export interface Rendition {
  /** The variant to select for this rung. */
  trackId: number;
  width: number;
  height: number;
  /** Total bandwidth of the variant (video + audio), bits/s. */
  bandwidth: number;
  label: string;
  detail: string;
  active: boolean;
}

export function formatBitrate(bps: number): string {
  if (bps >= 1_000_000) return `${(bps / 1_000_000).toFixed(bps >= 10_000_000 ? 0 : 1)} Mb/s`;
  return `${Math.round(bps / 1000)} kb/s`;
}

/**
 * One rung per picture size and bitrate, tallest first. A ladder packaged with several audio
 * tracks lists each video rung once per audio; the picker shows the rung once and selects the
 * active audio's variant when it can.
 */
export function toRenditions(tracks: VariantLike[]): Rendition[] {
  const byRung = new Map<string, VariantLike>();
  for (const t of tracks) {
    if (!t.height || !t.width) continue;
    const key = `${t.width}x${t.height}@${t.videoBandwidth ?? t.bandwidth}`;
    const seen = byRung.get(key);
    if (!seen || (t.active && !seen.active)) byRung.set(key, t);
  }
  return [...byRung.values()]
    .map((t) => ({
      trackId: t.id,
      width: t.width ?? 0,
      height: t.height ?? 0,
      bandwidth: t.bandwidth,
      label: `${Math.min(t.width ?? 0, t.height ?? 0)}p`,
      detail: `${t.width}×${t.height} · ${formatBitrate(t.bandwidth)}${t.videoCodec ? ` · ${t.videoCodec.split(".")[0]}` : ""}`,
      active: t.active,
    }))
    .sort((a, b) => b.height * b.width - a.height * a.width || b.bandwidth - a.bandwidth);
}
