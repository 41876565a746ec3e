import { defineConfig } from 'vite';

export default defineConfig({
  // Resolve @aisle/protocols to its TypeScript sources; Vite bundles only what the UI imports.
  resolve: { conditions: ['aisle-source'] },
  // Preact's JSX runtime through Vite's own transform (oxc): no framework plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
