// Time from `vodstudio preview` to the first frame in the player, measured in Debian's Chromium.
//
//   node e2e/bench-first-frame.mjs --bin PATH/vodstudio --data DATA_DIR --asset ID [--rounds 5]
//
// Each round starts the preview command, waits for its URL, opens the page in a fresh browser
// context (the browser itself is already running, as a creator's is) and waits for the video's
// first decoded frame (`loadeddata`). Prints every round and the medians.
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { launchChromium } from "./browser.mjs";

const { values: a } = parseArgs({
  options: {
    bin: { type: "string" },
    data: { type: "string" },
    asset: { type: "string" },
    rounds: { type: "string", default: "5" },
    chromium: { type: "string", default: process.env.CHROMIUM ?? "/usr/bin/chromium" },
  },
});

function startPreview() {
  return new Promise((resolve, reject) => {
    const child = spawn(a.bin, ["preview", a.asset, "--json"], {
      env: { ...process.env, VODSTUDIO_DATA_DIR: a.data },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const end = out.indexOf("\n}");
      if (end >= 0) resolve({ child, info: JSON.parse(out.slice(0, end + 2)) });
    });
    child.on("exit", (code) => reject(new Error(`preview exited with ${code}`)));
  });
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const browser = await launchChromium(a.chromium);
const rows = [];
try {
  for (let i = 0; i < Number(a.rounds); i++) {
    const t0 = performance.now();
    const { child, info } = await startPreview();
    const t1 = performance.now();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      document.addEventListener("loadeddata", () => (window.__ff ??= performance.now()), true);
    });
    await page.goto(info.url);
    await page.waitForFunction(() => window.__ff !== undefined, null, { timeout: 30_000 });
    const t2 = performance.now();
    rows.push({ url_ms: t1 - t0, page_ms: t2 - t1, total_ms: t2 - t0 });
    await context.close();
    child.kill("SIGINT");
    await new Promise((r) => child.once("exit", r));
  }
} finally {
  await browser.close();
}
for (const [i, r] of rows.entries()) {
  console.log(`round ${i + 1}: preview → URL ${r.url_ms.toFixed(0)} ms, URL → first frame ${r.page_ms.toFixed(0)} ms, total ${r.total_ms.toFixed(0)} ms`);
}
console.log(
  `median: preview → URL ${median(rows.map((r) => r.url_ms)).toFixed(0)} ms, URL → first frame ${median(rows.map((r) => r.page_ms)).toFixed(0)} ms, preview → first frame ${median(rows.map((r) => r.total_ms)).toFixed(0)} ms`,
);
