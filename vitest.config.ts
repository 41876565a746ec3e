import { defineConfig } from 'vitest/config';

// One project per package (plus system and browser tests), all under test/ (see test/README.md).
// `aisle-source` makes `@aisle/*` imports resolve to the packages' TypeScript sources, so tests
// need no build step.
const source = { resolve: { conditions: ['aisle-source'] }, ssr: { resolve: { conditions: ['aisle-source'] } } };

export default defineConfig({
  test: {
    projects: [
      { ...source, test: { name: 'protocols', include: ['test/protocols/**/*.test.ts'] } },
      { ...source, test: { name: 'edge', include: ['test/edge/**/*.test.ts'] } },
      { ...source, test: { name: 'hub', include: ['test/hub/**/*.test.ts'] } },
      { ...source, test: { name: 'device-sim', include: ['test/device-sim/**/*.test.ts'], testTimeout: 60_000 } },
      { ...source, test: { name: 'dashboards', include: ['test/dashboards/**/*.test.ts'] } },
      { ...source, test: { name: 'system', include: ['test/system/**/*.test.ts'], testTimeout: 120_000 } },
      { ...source, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 120_000 } },
    ],
    passWithNoTests: false,
  },
});
