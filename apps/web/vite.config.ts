import { defineConfig } from 'vite';

// Plain TypeScript and DOM: no framework plugin. The Gatehouse URL and client id are read at run time from
// /config.json (public/config.json in development), so one build serves any Gatehouse.
export const config = defineConfig({
  build: { target: 'es2022', sourcemap: true },
});

export { config as default };
