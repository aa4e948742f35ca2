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

/** One asset's preview on a preview service: what `#asset=ID&token=T` names on the service's
 * own player page, or what the app's `open_preview` returns. */
export interface PreviewLink {
  asset: string;
  token: string;
  /** The service's origin (`http://127.0.0.1:PORT`) when the page is served elsewhere (the app);
   * "" when the page comes from the service itself. */
  base: string;
}

export function parseLink(hash: string): PreviewLink | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const asset = params.get("asset");
  const token = params.get("token");
  return asset && token ? { asset, token, base: "" } : null;
}

/** The service answers with paths on its own origin (`/ID/TOKEN/hls/x.m3u8`); a page served
 * elsewhere must prefix them with the service's origin. */
export function resolveOutputs(o: Outputs, base: string): Outputs {
  if (!base) return o;
  const abs = (u: string): string => (u.startsWith("/") ? base + u : u);
  return {
    ...o,
    files: o.files.map((f) => ({ ...f, url: abs(f.url) })),
    manifests: o.manifests.map((m) => ({ ...m, url: abs(m.url) })),
    sprite_track: o.sprite_track ? abs(o.sprite_track) : null,
    source: o.source ? { ...o.source, url: abs(o.source.url) } : null,
  };
}

/** Raised for a refused or expired link, so the page can say so instead of a generic failure. */
export class LinkExpiredError extends Error {
  constructor() {
    super("This preview link has expired or is not valid.");
  }
}

function apiBase(link: PreviewLink): string {
  return `${link.base}/_api/${encodeURIComponent(link.asset)}/${link.token}`;
}

async function getJson<T>(url: string): Promise<T> {
  const resp = await fetch(url, { cache: "no-store" });
  if (resp.status === 403) throw new LinkExpiredError();
  if (!resp.ok) throw new Error(`${resp.status}: ${(await resp.text()).trim()}`);
  return (await resp.json()) as T;
}

export async function fetchOutputs(link: PreviewLink): Promise<Outputs> {
  return resolveOutputs(await getJson<Outputs>(`${apiBase(link)}/outputs`), link.base);
}

/** A short-lived signed URL of one output (S3 presigned or CloudFront signed). */
export function fetchSignedLink(
  link: PreviewLink,
  path: string,
): Promise<{ url: string; expires_at_ms: number }> {
  return getJson(`${apiBase(link)}/link?path=${encodeURIComponent(path)}`);
}
