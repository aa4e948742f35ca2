// Human-readable durations and sizes for the library, uploads and jobs views.

/** `0:07`, `4:05`, `1:02:03` — how video apps print lengths. Null/invalid → an em dash. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "—";
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"] as const;

/**
 * Sizes in decimal units (1 MB = 1,000,000 bytes), as file managers on Linux and macOS show
 * them, so a creator sees the same number here as in their file browser.
 */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  // Three significant digits: 1.23 GB, 12.3 GB, 123 GB.
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  let text = value.toFixed(digits);
  // 999.95 MB rounds to "1000": carry into the next unit instead.
  if (text === "1000" && unit < BYTE_UNITS.length - 1) {
    text = "1.00";
    unit += 1;
  }
  return `${text} ${BYTE_UNITS[unit]}`;
}

/** `8.5 Mbps` — bit rates in decimal units, as encoders and streaming specs state them. */
export function formatBitRate(bps: number | null | undefined): string {
  if (bps == null || !Number.isFinite(bps) || bps < 0) return "—";
  if (bps >= 1_000_000) return `${(bps / 1_000_000).toFixed(1)} Mbps`;
  if (bps >= 1_000) return `${Math.round(bps / 1_000)} kbps`;
  return `${Math.round(bps)} bps`;
}

/** `12.3 MB/s` — upload speed in the same decimal units as sizes. */
export function formatRate(bytesPerSecond: number | null | undefined): string {
  if (bytesPerSecond == null || !Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return "—";
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** `42 s left`, `3 min left`, `1 h 05 min left`: a rough ETA, never false precision. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min left`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min left`;
}

/** `1920×1080`, or an em dash when the asset has no picture. */
export function formatResolution(width: number | null | undefined, height: number | null | undefined): string {
  return width && height ? `${width}×${height}` : "—";
}
