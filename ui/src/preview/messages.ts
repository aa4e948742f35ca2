// Player failures in words a creator can act on.

/** The parts of a shaka.util.Error the page reads. */
export interface PlayerErrorLike {
  code: number;
  category?: number;
  data?: unknown[];
}

/** shaka.util.Error codes the page distinguishes. */
const BAD_HTTP_STATUS = 1001;
const HTTP_ERROR = 1002;
const TIMEOUT = 1003;

export function explainPlayerError(e: PlayerErrorLike): string {
  if (e.code === BAD_HTTP_STATUS) {
    const status = e.data?.[1];
    if (status === 403) {
      return "This preview link has expired. Run `vodstudio preview` again (or reopen the preview in the app) for a fresh one.";
    }
    if (status === 404) return "A rendition file is missing from the outputs (HTTP 404). The job may have been cleaned up.";
    return `The preview service answered HTTP ${String(status)} for a rendition file.`;
  }
  if (e.code === HTTP_ERROR || e.code === TIMEOUT) {
    return "The preview service stopped answering. Is `vodstudio preview` still running?";
  }
  if (e.code >= 3000 && e.code < 4000) {
    return `This browser cannot decode the rendition (media error ${e.code}).`;
  }
  if (e.code >= 4000 && e.code < 5000) {
    return `The manifest could not be read (manifest error ${e.code}).`;
  }
  return `Playback failed (player error ${e.code}).`;
}
