// A workaround for WebKitGTK's Media Source Extensions, the Linux app's web view.
//
// shaka-player calls `SourceBuffer.abort()` before it sets a new `timestampOffset` (HLS in
// segments mode does so before every segment). When nothing is being appended, abort() only
// resets the parser state, and the MSE spec keeps the last initialization segment across that
// reset; WebKitGTK's GStreamer back end does not, and silently drops every media segment appended
// after it until a new init segment comes. HLS then plays its first segment and stops. No library
// or shaka option covers this (shaka's init-segment handling is internal), hence this shim.

let installed = false;

/** Makes `abort()` a no-op on a SourceBuffer that is not updating: there is nothing to abort,
 * and the parser reset it would do is what WebKitGTK gets wrong. The append window, which abort()
 * also resets, is set by shaka right after each call. Call once, before playback starts. */
export function keepParserStateAcrossAbort(proto: { abort(): void; readonly updating: boolean } = SourceBuffer.prototype): void {
  if (installed) return;
  installed = true;
  const abort = proto.abort;
  proto.abort = function (this: { updating: boolean }) {
    if (!this.updating) return;
    abort.call(this);
  };
}
