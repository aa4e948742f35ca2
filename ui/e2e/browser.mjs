// Debian's Chromium, headless, as the browser tests and benchmarks launch it.
import { chromium } from "playwright-core";

/**
 * Flags for a sandboxed machine whose network ends at loopback: no background traffic (its
 * refused connections slow every start), no GPU, no sandbox (CI runs as root).
 */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(executablePath, extraArgs = []) {
  return chromium.launch({ executablePath, headless: true, args: [...FLAGS, ...extraArgs] });
}
