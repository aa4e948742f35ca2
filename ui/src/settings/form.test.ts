import { describe, expect, it } from "vitest";
import type { Settings } from "../bindings";
import { EMPTY_AWS, fromForm, toForm } from "./form";

const local: Settings = {
  profile: { kind: "local" },
  preset: "web-ladder",
  parallel_assets: 2,
  upload_concurrency: 4,
  bandwidth_limit_bytes_per_s: null,
  notifications: true,
};

describe("settings form", () => {
  it("round-trips the local profile", () => {
    const back = fromForm(toForm(local));
    expect(back).toEqual({ ok: true, settings: local });
  });

  it("round-trips an AWS profile with keyring credentials", () => {
    const aws: Settings = {
      ...local,
      profile: { kind: "aws", ...EMPTY_AWS, region: "eu-west-1", credentials: "keyring", watch_bucket: "w", media_bucket: "m", role_arn: "arn:aws:iam::1:role/r" },
      bandwidth_limit_bytes_per_s: 2_500_000,
    };
    const form = toForm(aws);
    expect(form.bandwidthMBps).toBe("2.5");
    expect(fromForm(form)).toEqual({ ok: true, settings: aws });
  });

  it("turns blank optional fields into null and trims names", () => {
    const form = toForm(local);
    form.profile = "aws";
    form.aws = { ...form.aws, region: "  ", queue: "", watch_bucket: " w " };
    const out = fromForm(form);
    expect(out.ok && out.settings.profile).toMatchObject({ kind: "aws", region: null, queue: null, watch_bucket: "w" });
  });

  it("refuses a nonsense bandwidth cap", () => {
    const form = toForm(local);
    form.bandwidthMBps = "fast";
    expect(fromForm(form).ok).toBe(false);
  });
});
