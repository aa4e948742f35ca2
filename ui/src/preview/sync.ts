// Keeping the compare view's second player in step with the first.

/** How far apart two players may drift before the follower seeks (seconds). */
export const SEEK_DRIFT_S = 0.5;
/** Below this the follower is in step; between the two it nudges its rate. */
export const IN_STEP_S = 0.04;

export type SyncAction =
  | { kind: "seek"; to: number }
  | { kind: "rate"; rate: number }
  | { kind: "none" };

/**
 * What the follower should do, given both clocks. Small drift is corrected by a slightly faster or
 * slower rate (no visible jump); a large one (after a seek or a stall) by seeking.
 */
export function syncAction(leaderS: number, followerS: number, leaderPaused: boolean): SyncAction {
  const drift = leaderS - followerS;
  if (leaderPaused) return Math.abs(drift) > IN_STEP_S ? { kind: "seek", to: leaderS } : { kind: "none" };
  if (Math.abs(drift) > SEEK_DRIFT_S) return { kind: "seek", to: leaderS };
  if (Math.abs(drift) <= IN_STEP_S) return { kind: "rate", rate: 1 };
  // Catch up over about a second: 10% faster or slower at most.
  return { kind: "rate", rate: 1 + Math.max(-0.1, Math.min(0.1, drift)) };
}
