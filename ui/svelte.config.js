// Svelte 5 with runes everywhere: no legacy reactive statements in this code base. TypeScript in
// <script lang="ts"> is handled by Svelte itself (type annotations only), so no preprocessor.
export default {
  compilerOptions: {
    runes: true,
  },
};
