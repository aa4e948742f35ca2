// The preview player in a real browser: Debian's Chromium, headless, driven by playwright-core.
//
//   node e2e/player.e2e.mjs --url PLAYER_URL [--expiring-url URL] [--artifacts DIR]
//
// Plays the HLS and the DASH output of one asset through the preview service: playback advances,
// each rendition can be held and the decoded picture has its height, the compare view and the
// scrub thumbnails work, no request leaves the preview service without the asset's token, and an
// expiring link stops playback with a clear message. Screenshots go to the artifacts folder.
// Prints one JSON line of figures (time to first frame) on stdout; exits non-zero on failure.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { launchChromium } from "./browser.mjs";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    "expiring-url": { type: "string" },
    artifacts: { type: "string", default: "e2e-artifacts" },
    // Caption cue texts the outputs carry (repeatable); the CC button must show one of them.
    caption: { type: "string", multiple: true, default: [] },
    chromium: { type: "string", default: process.env.CHROMIUM ?? "/usr/bin/chromium" },
  },
});
if (!args.url && !args["expiring-url"]) throw new Error("--url or --expiring-url is required");
mkdirSync(args.artifacts, { recursive: true });
const shot = (page, name) => page.screenshot({ path: join(args.artifacts, `${name}.png`) });
const log = (...m) => console.error("player e2e:", ...m);

function check(cond, message) {
  if (!cond) throw new Error(message);
}

const browser = await launchChromium(args.chromium, ["--autoplay-policy=no-user-gesture-required"]);

/** A fresh page that records every request and the time of the first decoded frame. */
async function open(url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => log("page error:", e.message));
  await page.addInitScript(() => {
    // Media events do not bubble; a capturing listener on the document sees the first one.
    document.addEventListener(
      "loadeddata",
      () => {
        window.__firstFrameMs ??= performance.now();
      },
      true,
    );
  });
  await page.goto(url);
  return { context, page, requests };
}

async function videoState(page, index = 0) {
  return page.evaluate((i) => {
    const v = document.querySelectorAll("video")[i];
    return v ? { t: v.currentTime, h: v.videoHeight, w: v.videoWidth, paused: v.paused } : null;
  }, index);
}

async function waitAdvancing(page, what, index = 0) {
  const start = (await videoState(page, index))?.t ?? 0;
  await page.waitForFunction(
    ([i, t0]) => {
      const v = document.querySelectorAll("video")[i];
      return v && !v.paused && v.currentTime > t0 + 0.5;
    },
    [index, start],
    { timeout: 30_000 },
  ).catch(async (e) => {
    await shot(page, `failed-${what}`);
    throw new Error(`${what}: playback did not advance (${e.message.split("\n")[0]})`);
  });
}

async function failIfError(page, what) {
  const err = await page.locator("[data-testid=player-error]").textContent({ timeout: 100 }).catch(() => null);
  if (err) {
    await shot(page, `failed-${what}`);
    throw new Error(`${what}: the player says "${err}"`);
  }
}

/** The CC button turns the captions on, and a cue of the sidecar is on screen. */
async function checkCaptions(page, format) {
  const cc = page.locator("[data-testid=captions]");
  await cc.waitFor({ timeout: 10_000 }).catch(() => {
    throw new Error(`${format}: no captions button although the outputs have captions`);
  });
  if (!(await cc.evaluate((b) => b.classList.contains("on")))) await cc.click();
  await page
    .waitForFunction(
      (texts) =>
        [...(document.querySelector("video")?.textTracks ?? [])].some(
          (t) => t.mode === "showing" && [...(t.activeCues ?? [])].some((c) => texts.includes(c.text)),
        ),
      args.caption,
      { timeout: 15_000 },
    )
    .catch(async () => {
      await shot(page, `failed-${format}-captions`);
      throw new Error(`${format}: captions on, but no cue of the sidecar is showing`);
    });
  log(`${format}: captions showing`);
}

async function playFormat(page, format) {
  await page.locator(`button[data-format=${format}]`).click();
  await page.locator("[data-testid=rendition]").first().waitFor({ timeout: 30_000 });
  await failIfError(page, format);
  const v = await videoState(page);
  if (v?.paused) await page.locator("[data-testid=play]").click();
  await waitAdvancing(page, `${format} auto`);
  if (args.caption.length) await checkCaptions(page, format);
  await shot(page, `${format}-auto`);
  const rungs = await page
    .locator("[data-testid=rendition]")
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-height"))));
  check(rungs.length >= 2, `${format}: expected a ladder, the picker shows ${rungs.length} rung(s)`);
  for (const [i, height] of rungs.entries()) {
    await page.locator("[data-testid=rendition]").nth(i).click();
    await page
      .waitForFunction((h) => document.querySelector("video")?.videoHeight === h, height, { timeout: 30_000 })
      .catch(async () => {
        await shot(page, `failed-${format}-${height}p`);
        const s = await videoState(page);
        throw new Error(`${format}: held the ${height}p rung but the video decodes ${s?.w}x${s?.h}`);
      });
    await waitAdvancing(page, `${format} ${height}p`);
    const live = await page.locator("[data-testid=live-rendition]").getAttribute("data-height");
    check(Number(live) === height, `${format}: the live rendition shows ${live}, expected ${height}`);
    await shot(page, `${format}-${height}p`);
    log(`${format} ${height}p: videoHeight ${height}, playing`);
  }
  await page.locator("[data-testid=rendition-auto]").click();
  await failIfError(page, format);
  return rungs;
}

const figures = {};
try {
  if (args.url) await playAll(args.url);
  if (args["expiring-url"]) await expiring(args["expiring-url"]);
  console.log(JSON.stringify(figures));
} catch (e) {
  log(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}

async function playAll(url) {
  const { context, page, requests } = await open(url);
  const origin = new URL(url).origin;
  const fragment = new URLSearchParams(new URL(url).hash.slice(1));
  const asset = fragment.get("asset");
  const token = fragment.get("token");

  await page.waitForFunction(() => window.__firstFrameMs !== undefined, null, { timeout: 30_000 });
  figures.first_frame_ms = Math.round(await page.evaluate(() => window.__firstFrameMs));
  await failIfError(page, "load");

  figures.hls_rungs = await playFormat(page, "hls");
  figures.dash_rungs = await playFormat(page, "dash");

  // Scrub thumbnails: hovering the seek bar shows a tile of the sprite.
  const bar = page.locator("[role=slider]");
  const box = await bar.boundingBox();
  check(box, "no seek bar");
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.locator("[data-testid=scrub-preview] .tile").waitFor({ timeout: 10_000 });
  await shot(page, "scrub-thumbnail");

  // Compare: two players side by side, the second following the first.
  await page.locator("[data-testid=mode-compare]").click();
  await page.waitForFunction(() => document.querySelectorAll("video").length === 2, null, { timeout: 10_000 });
  await page.locator("[data-testid=play]").click();
  await waitAdvancing(page, "compare A", 0);
  await waitAdvancing(page, "compare B", 1);
  const [a, b] = [await videoState(page, 0), await videoState(page, 1)];
  figures.compare_drift_s = Math.abs(a.t - b.t);
  await shot(page, "compare");

  // Every request went to the preview service, and every media request carried the token.
  const bad = requests.filter((u) => {
    const url = new URL(u);
    if (url.origin !== origin) return !u.startsWith("blob:") && !u.startsWith("data:");
    if (url.pathname.startsWith("/player/")) return false;
    return !(
      url.pathname.startsWith(`/${asset}/${token}/`) ||
      url.pathname.startsWith(`/_api/${asset}/${token}/`) ||
      url.pathname === `/_source/${asset}/${token}`
    );
  });
  check(bad.length === 0, `requests outside the preview service or without the token: ${bad.slice(0, 5).join(", ")}`);
  figures.requests = requests.length;
  await context.close();
}

async function expiring(url) {
  {
    const { context: c2, page: p2 } = await open(url);
    await p2.locator("[data-testid=rendition]").first().waitFor({ timeout: 30_000 });
    await p2.locator("[data-testid=play]").click();
    await waitAdvancing(p2, "expiring link");
    const msg = await p2
      .locator("[data-testid=player-error]")
      .textContent({ timeout: 60_000 })
      .catch(() => null);
    await shot(p2, "expired");
    check(msg && /expired/i.test(msg), `an expired link should say so; the page shows: ${msg}`);
    const t1 = (await videoState(p2))?.t ?? 0;
    await p2.waitForTimeout(1500);
    const s = await videoState(p2);
    check(s.paused && Math.abs(s.t - t1) < 0.05, "playback should stop when the link expires");
    await c2.close();
  }
}
