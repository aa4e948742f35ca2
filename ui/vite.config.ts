import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// vitest/config is vite's defineConfig plus the `test` block.
// The Tauri shell embeds dist/ (tauri.conf.json frontendDist) and has no dev server URL, so
// `cargo run -p vodstudio-app` always shows the last `npm run build`.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  // Relative asset links: the same build serves the app (tauri://localhost/) and the preview
  // service's player page (http://127.0.0.1:PORT/player/).
  base: "./",
  build: {
    rollupOptions: {
      // The app, and the preview player page that `vodstudio preview` serves.
      input: { app: "index.html", player: "player.html" },
    },
    outDir: "dist",
    // shaka-player (HLS + DASH in one player) is ~800 kB minified on its own; the page loads it
    // once from loopback.
    chunkSizeWarningLimit: 1000,
    emptyOutDir: true,
    // WebKitGTK 2.40+ (Debian 12) runs ES2022; no legacy transforms needed.
    target: "es2022",
    // Keep assets as files: the CSP allows img-src 'self', and small inlined data: URIs would
    // hide what the bundle ships.
    assetsInlineLimit: 0,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
