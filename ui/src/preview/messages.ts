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
/** The engine refused or failed the media itself: a missing decoder looks like one of these. */
const CANNOT_DECODE = new Set([
  3014, // MEDIA_SOURCE_OPERATION_FAILED
  3015, // MEDIA_SOURCE_OPERATION_THREW
  3016, // VIDEO_ERROR
  4012, // RESTRICTIONS_CANNOT_BE_MET: no variant the engine can play
  4032, // CONTENT_UNSUPPORTED_BY_BROWSER
]);

/** What plays the media, as far as the advice differs. */
export interface Engine {
  /** WebKitGTK (the Linux app's web view): it decodes through the system's GStreamer plugins. */
  gstreamer: boolean;
}

/** WebKitGTK says "AppleWebKit … Safari" on Linux; Chromium-based browsers also say Chrome. */
export function detectEngine(userAgent: string): Engine {
  return { gstreamer: /Linux/.test(userAgent) && /AppleWebKit/.test(userAgent) && !/Chrome|Chromium|Android/.test(userAgent) };
}

/** The codecs every preset's HLS/DASH renditions use. */
export const REQUIRED_TYPES = ['video/mp4; codecs="avc1.4d401e"', 'audio/mp4; codecs="mp4a.40.2"'];

/** Why playback cannot start here, in words that say what to install. */
export function cannotPlay(engine: Engine): string {
  return engine.gstreamer
    ? "Playback cannot start: this system's GStreamer lacks the H.264/AAC decoders the preview needs. " +
        "Install them with `sudo apt install gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav` " +
        "(scripts/setup.sh does this), then open the preview again."
    : "Playback cannot start: this browser cannot decode H.264/AAC video. Open the preview link in Chrome, Edge, Firefox or Safari.";
}

/** The first codec of `types` the engine says it cannot play, or null when all are fine. */
export function missingCodec(types: string[], isTypeSupported: (type: string) => boolean): string | null {
  return types.find((t) => !isTypeSupported(t)) ?? null;
}

export function explainPlayerError(e: PlayerErrorLike, engine: Engine = { gstreamer: false }): string {
  if (CANNOT_DECODE.has(e.code) && engine.gstreamer) return `${cannotPlay(engine)} (player error ${e.code})`;
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
