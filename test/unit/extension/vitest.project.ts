import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * The extension's unit tests: WXT's Vitest plugin reads wxt.config.ts (aliases such as #i18n, the
 * Preact JSX setup) and replaces `wxt/browser` with its in-memory fakeBrowser, so storage and
 * messaging run for real without hand-written mocks. happy-dom parses the saved Onventis pages.
 */
export default defineProject({
  root,
  plugins: [WxtVitest({ root })],
  // The panel's views are Preact components (the build gets this from @preact/preset-vite).
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  test: {
    name: 'extension',
    root,
    environment: 'happy-dom',
    environmentOptions: {
      // The saved pages link Onventis's CSS and scripts; the tests only need the parsed DOM.
      happyDOM: {
        settings: {
          disableCSSFileLoading: true,
          disableJavaScriptFileLoading: true,
          handleDisabledFileLoadingAsSuccess: true,
        },
      },
    },
    include: ['test/unit/extension/**/*.test.{ts,tsx}'],
  },
});
