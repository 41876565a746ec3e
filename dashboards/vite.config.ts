import { defineConfig } from 'vite';

export default defineConfig({
  // Resolve @aisle/protocols to its TypeScript sources; Vite bundles only what the UI imports.
  resolve: { conditions: ['aisle-source'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
