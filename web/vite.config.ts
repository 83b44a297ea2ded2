import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The web app (/) and the support playground (/playground), built into web/dist and served by the
 * API process (src/http/webApp.ts). Everything the pages load is bundled here: no CDN, so both work
 * with the machine offline.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    // Monaco (the playground's editor) is one large chunk by design; the app's own pages are small.
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: { app: here('index.html'), playground: here('playground/index.html') },
      // GraphiQL's modules start with "use no memo" (a React Compiler hint): harmless in a bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  worker: { format: 'es' },
});
