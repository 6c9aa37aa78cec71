import { defineConfig } from 'vite';

// ssh2 tries to load cpu-features and its optional native crypto binding;
// both are optional and the bundler cannot pack .node files, so they stay
// external and ssh2 falls back to its pure-JS code (facts.md).
export default defineConfig({
  build: {
    rollupOptions: {
      external: ['cpu-features', /\.node$/],
    },
  },
});
