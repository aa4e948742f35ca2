// The settings form's model: the saved `Settings` as editable fields, and back. The AWS fields
// survive a switch to local and back, so trying the local profile loses nothing typed.
import type { AwsProfile, Settings } from "../bindings";

/** Every AWS field present (the core fills absent ones with defaults; the form shows them). */
export type AwsFields = Required<AwsProfile>;

export type SettingsForm = {
  profile: "local" | "aws";
  aws: AwsFields;
  preset: string;
  parallelAssets: number;
  uploadConcurrency: number;
  /** Upload cap in MB/s (decimal, as speeds are shown); empty for none. */
  bandwidthMBps: string;
  notifications: boolean;
};

export const EMPTY_AWS: AwsFields = {
  region: null,
  aws_profile: null,
  credentials: "chain",
  watch_bucket: "",
  media_bucket: "",
  role_arn: "",
  queue: null,
  s3_endpoint: null,
  mediaconvert_endpoint: null,
  describe_endpoints: false,
  mode: "direct",
  cloudfront_domain: null,
  cloudfront_key_pair_id: null,
};

/** The form for saved settings (as `get_settings` returns them: every field present). */
export function toForm(settings: Settings): SettingsForm {
  const profile = settings.profile ?? { kind: "local" };
  const aws: AwsFields = profile.kind === "aws" ? { ...EMPTY_AWS, ...stripKind(profile) } : { ...EMPTY_AWS };
  const cap = settings.bandwidth_limit_bytes_per_s;
  return {
    profile: profile.kind,
    aws,
    preset: settings.preset ?? "",
    parallelAssets: settings.parallel_assets ?? 1,
    uploadConcurrency: settings.upload_concurrency ?? 1,
    bandwidthMBps: cap == null ? "" : String(cap / 1_000_000),
    notifications: settings.notifications ?? true,
  };
}

/** The AWS fields without the profile's `kind` tag. */
function stripKind(profile: { kind: "aws" } & AwsProfile): AwsProfile {
  const aws: Partial<{ kind: "aws" }> & AwsProfile = { ...profile };
  delete aws.kind;
  return aws;
}

/** Blank optional text fields mean "not set" (the core's `None`), not an empty name. */
function optional(value: string | null): string | null {
  const trimmed = value?.trim() ?? "";
  return trimmed === "" ? null : trimmed;
}

/** The settings the form describes, or the reason it cannot be saved. */
export function fromForm(form: SettingsForm): { ok: true; settings: Settings } | { ok: false; message: string } {
  let cap: number | null = null;
  if (form.bandwidthMBps.trim() !== "") {
    const mbps = Number(form.bandwidthMBps);
    if (!Number.isFinite(mbps) || mbps <= 0) return { ok: false, message: "The bandwidth cap must be a positive number of MB/s, or empty." };
    cap = Math.round(mbps * 1_000_000);
  }
  const aws: AwsFields = {
    ...form.aws,
    region: optional(form.aws.region),
    aws_profile: optional(form.aws.aws_profile),
    queue: optional(form.aws.queue),
    cloudfront_domain: optional(form.aws.cloudfront_domain),
    cloudfront_key_pair_id: optional(form.aws.cloudfront_key_pair_id),
    watch_bucket: form.aws.watch_bucket.trim(),
    media_bucket: form.aws.media_bucket.trim(),
    role_arn: form.aws.role_arn.trim(),
  };
  return {
    ok: true,
    settings: {
      profile: form.profile === "aws" ? { kind: "aws", ...aws } : { kind: "local" },
      preset: form.preset.trim(),
      parallel_assets: form.parallelAssets,
      upload_concurrency: form.uploadConcurrency,
      bandwidth_limit_bytes_per_s: cap,
      notifications: form.notifications,
    },
  };
}
