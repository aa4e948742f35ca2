// Turns whatever an IPC call rejected with into the one error shape the UI handles.
import type { AppError } from "../bindings";

/** Kind for failures of the IPC layer itself (ACL denial, unknown command, bad arguments). */
export const IPC_ERROR_KIND = "ipc";

/**
 * Our commands reject with `AppError` (`{ kind, message }`), but Tauri rejects framework-level
 * failures with a bare string and a missing bridge throws an `Error`: give all of them a kind, so
 * views match on `kind` and never parse messages.
 */
export function toAppError(rejection: unknown): AppError {
  if (isAppError(rejection)) return rejection;
  if (typeof rejection === "string") return { kind: IPC_ERROR_KIND, message: rejection };
  if (rejection instanceof Error) return { kind: IPC_ERROR_KIND, message: rejection.message };
  return { kind: "unknown", message: `unexpected IPC failure: ${safeString(rejection)}` };
}

function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>).kind === "string" &&
    typeof (value as Record<string, unknown>).message === "string"
  );
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** What every IPC wrapper resolves to: never rejects, so views handle failure as data. */
export type Outcome<T> = { ok: true; data: T } | { ok: false; error: AppError };

/** Runs an infallible command (its Rust side returns no `Result`): only IPC itself can fail. */
export async function settle<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, data: await call() };
  } catch (rejection) {
    return { ok: false, error: toAppError(rejection) };
  }
}

/** The generated bindings' shape for commands returning `Result<T, AppError>`. */
export type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

/**
 * Runs a fallible command. The bindings put the command's own errors in `status: "error"` but
 * pass Tauri's string rejections through the same slot typed as `AppError`: normalise both.
 */
export async function settleResult<T>(call: () => Promise<CommandResult<T>>): Promise<Outcome<T>> {
  try {
    const result = await call();
    return result.status === "ok"
      ? { ok: true, data: result.data }
      : { ok: false, error: toAppError(result.error) };
  } catch (rejection) {
    return { ok: false, error: toAppError(rejection) };
  }
}

/** An `AppError` thrown as an exception, for callers that prefer try/catch to result objects. */
export class CommandError extends Error {
  readonly kind: string;
  constructor(error: AppError) {
    super(error.message);
    this.name = "CommandError";
    this.kind = error.kind;
  }
}
