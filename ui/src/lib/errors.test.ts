import { describe, expect, it } from "vitest";
import type { AppError } from "../bindings";
import { CommandError, IPC_ERROR_KIND, settle, settleResult, toAppError } from "./errors";

describe("toAppError", () => {
  it("passes a command's typed error through unchanged", () => {
    const err = { kind: "not_media", message: "/tmp/a.txt: not a video or audio file" };
    expect(toAppError(err)).toBe(err);
  });
  it("gives Tauri's bare-string rejections the ipc kind", () => {
    expect(toAppError("Command probe_file not allowed by ACL")).toEqual({
      kind: IPC_ERROR_KIND,
      message: "Command probe_file not allowed by ACL",
    });
  });
  it("keeps the message of a thrown Error (e.g. no Tauri bridge in a plain browser)", () => {
    expect(toAppError(new TypeError("window.__TAURI_INTERNALS__ is undefined"))).toEqual({
      kind: IPC_ERROR_KIND,
      message: "window.__TAURI_INTERNALS__ is undefined",
    });
  });
  it("describes anything else instead of dropping it", () => {
    expect(toAppError({ code: 7 })).toEqual({
      kind: "unknown",
      message: 'unexpected IPC failure: {"code":7}',
    });
    expect(toAppError(undefined).kind).toBe("unknown");
  });
  it("does not mistake a half-shaped object for an AppError", () => {
    expect(toAppError({ kind: "not_found" }).kind).toBe("unknown");
  });
});

describe("CommandError", () => {
  it("carries the kind and the message", () => {
    const err = new CommandError({ kind: "not_found", message: "/x.mov: no such file" });
    expect(err).toBeInstanceOf(Error);
    expect(err.kind).toBe("not_found");
    expect(err.message).toBe("/x.mov: no such file");
  });
});

describe("settle", () => {
  it("wraps a value", async () => {
    expect(await settle(async () => 42)).toEqual({ ok: true, data: 42 });
  });
  it("turns a rejection into a typed error instead of throwing", async () => {
    expect(await settle(() => Promise.reject("Command app_info not allowed by ACL"))).toEqual({
      ok: false,
      error: { kind: IPC_ERROR_KIND, message: "Command app_info not allowed by ACL" },
    });
  });
});

describe("settleResult", () => {
  it("unwraps the ok branch", async () => {
    expect(await settleResult(async () => ({ status: "ok" as const, data: "x" }))).toEqual({
      ok: true,
      data: "x",
    });
  });
  it("keeps a command error's kind", async () => {
    const error = { kind: "not_found", message: "/a.mov: no such file" };
    expect(await settleResult(async () => ({ status: "error" as const, error }))).toEqual({
      ok: false,
      error,
    });
  });
  it("normalises a string smuggled into the error branch", async () => {
    const error = "invalid args `path` for command `probe_file`" as unknown as AppError;
    const outcome = await settleResult(async () => ({ status: "error" as const, error }));
    expect(outcome).toEqual({ ok: false, error: { kind: IPC_ERROR_KIND, message: error } });
  });
  it("catches a thrown Error (the bindings rethrow those)", async () => {
    const outcome = await settleResult<string>(() => Promise.reject(new Error("bridge gone")));
    expect(outcome).toEqual({ ok: false, error: { kind: IPC_ERROR_KIND, message: "bridge gone" } });
  });
});
