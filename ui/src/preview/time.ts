// Clock formatting for the player's transport.

/** `m:ss`, or `h:mm:ss` from an hour. */
export function formatClock(s: number): string {
  const total = Math.max(0, Math.floor(Number.isFinite(s) ? s : 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
