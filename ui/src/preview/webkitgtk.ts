// A workaround for WebKitGTK's Media Source Extensions, the Linux app's web view.
//
// shaka-player calls `SourceBuffer.abort()` before it sets a new `timestampOffset` (HLS in
// segments mode does so before every segment). When nothing is being appended, abort() only
// resets the parser state, and the MSE spec keeps the last initialization segment across that
// reset; WebKitGTK's GStreamer back end forgets it, and silently drops every media segment
// appended after it until a new init segment comes. HLS then plays its first segment and stops.
//
// So after an abort, the next append of a media segment is preceded by the SourceBuffer's last
// init segment, as if the engine had kept it. The extra append's events are kept from the page
// (shaka waits for one `updateend` per append of its own). Simply skipping abort() is not enough:
// rung switches then stall. No library or shaka option covers this (shaka's init-segment handling
// is internal), hence this shim.

/** The boxes an ISO BMFF init segment starts with; media segments start with styp/moof/emsg. */
const INIT_BOXES = new Set(["ftyp", "moov"]);

/** The type of the first box of `data`, e.g. `ftyp` or `moof`. */
export function firstBoxType(data: Uint8Array): string {
  if (data.length < 8) return "";
  return String.fromCharCode(data[4] ?? 0, data[5] ?? 0, data[6] ?? 0, data[7] ?? 0);
}

export function isInitSegment(data: Uint8Array): boolean {
  return INIT_BOXES.has(firstBoxType(data));
}

function bytesOf(data: BufferSource): Uint8Array {
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** What the shim remembers per SourceBuffer. */
interface Memory {
  init: Uint8Array<ArrayBuffer> | null;
  /** An abort() happened since the last append: the engine has forgotten the init segment. */
  forgot: boolean;
  /** Events of the re-appended init segment still to hide from the page. */
  hiding: boolean;
}

const memory = new WeakMap<object, Memory>();
let installed = false;

/** Installs the shim on the page's MediaSource/SourceBuffer (once; call before playback). */
export function reappendInitAfterAbort(
  mediaSource: { prototype: { addSourceBuffer(type: string): SourceBuffer } } = MediaSource,
  sourceBuffer: { prototype: SourceBuffer } = SourceBuffer,
): void {
  if (installed) return;
  installed = true;
  const addSourceBuffer = mediaSource.prototype.addSourceBuffer;
  mediaSource.prototype.addSourceBuffer = function (this: MediaSource, type: string) {
    const sb = addSourceBuffer.call(this, type);
    const mem: Memory = { init: null, forgot: false, hiding: false };
    memory.set(sb, mem);
    // Registered before any listener of the page's, and capturing: runs first at the target.
    for (const name of ["updatestart", "update"]) {
      sb.addEventListener(name, (e) => mem.hiding && e.stopImmediatePropagation(), { capture: true });
    }
    sb.addEventListener(
      "updateend",
      (e) => {
        if (!mem.hiding) return;
        e.stopImmediatePropagation();
        mem.hiding = false;
        const next = pending.get(sb);
        pending.delete(sb);
        if (next) append.call(sb, next);
      },
      { capture: true },
    );
    return sb;
  };

  const pending = new WeakMap<object, BufferSource>();
  const append = sourceBuffer.prototype.appendBuffer;
  sourceBuffer.prototype.appendBuffer = function (this: SourceBuffer, data: BufferSource) {
    const mem = memory.get(this);
    if (!mem) return append.call(this, data);
    const bytes = bytesOf(data);
    if (isInitSegment(bytes)) {
      mem.init = bytes.slice();
      mem.forgot = false;
      return append.call(this, data);
    }
    if (mem.forgot && mem.init) {
      mem.forgot = false;
      mem.hiding = true;
      pending.set(this, data);
      // `updating` is true from here, as the page expects after its appendBuffer().
      return append.call(this, mem.init);
    }
    return append.call(this, data);
  };

  const abort = sourceBuffer.prototype.abort;
  sourceBuffer.prototype.abort = function (this: SourceBuffer) {
    const mem = memory.get(this);
    if (mem) {
      mem.forgot = true;
      mem.hiding = false;
      pending.delete(this);
    }
    abort.call(this);
  };
}
