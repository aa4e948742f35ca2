import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// vitest/config is vite's defineConfig plus the `test` block.
// The Tauri shell embeds dist/ (tauri.conf.json frontendDist) and has no dev server URL, so
// `cargo run -p vodstudio-app` always shows the last `npm run build`.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    outDir: "dist",
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
