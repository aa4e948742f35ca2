// The preview service's JSON API (src/preview/api.rs), as the player reads it.

/** One object under the asset's output prefix. */
export interface OutputFile {
  path: string;
  size_bytes: number;
  /** Service URL (same origin), carrying the preview token. */
  url: string;
}

export interface Manifest {
  format: "hls" | "dash";
  path: string;
  url: string;
}

export interface Outputs {
  asset: string;
  expires_at_ms: number;
  files: OutputFile[];
  manifests: Manifest[];
  sprite_track: string | null;
  metadata: Record<string, unknown> | null;
  source: { name: string; url: string } | null;
}

/** What the page's URL fragment names: `#asset=ID&token=T`. */
export interface PreviewLink {
  asset: string;
  token: string;
}

export function parseLink(hash: string): PreviewLink | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const asset = params.get("asset");
  const token = params.get("token");
  return asset && token ? { asset, token } : null;
}

/** Raised for a refused or expired link, so the page can say so instead of a generic failure. */
export class LinkExpiredError extends Error {
  constructor() {
    super("This preview link has expired or is not valid.");
  }
}

function apiBase(link: PreviewLink): string {
  return `/_api/${encodeURIComponent(link.asset)}/${link.token}`;
}

async function getJson<T>(url: string): Promise<T> {
  const resp = await fetch(url, { cache: "no-store" });
  if (resp.status === 403) throw new LinkExpiredError();
  if (!resp.ok) throw new Error(`${resp.status}: ${(await resp.text()).trim()}`);
  return (await resp.json()) as T;
}

export function fetchOutputs(link: PreviewLink): Promise<Outputs> {
  return getJson<Outputs>(`${apiBase(link)}/outputs`);
}

/** A short-lived signed URL of one output (S3 presigned or CloudFront signed). */
export function fetchSignedLink(
  link: PreviewLink,
  path: string,
): Promise<{ url: string; expires_at_ms: number }> {
  return getJson(`${apiBase(link)}/link?path=${encodeURIComponent(path)}`);
}
