// ESM TypeScript under Jest, as in actions/typescript-action: ts-jest's ESM preset and a resolver
// that maps the `.js` specifiers NodeNext requires back to the `.ts` sources.
export default {
  preset: 'ts-jest/presets/default-esm',
  resolver: 'ts-jest-resolver',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  // The end-to-end suites run a bundle of the current src/, built here, never a stale dist/.
  globalSetup: './harness/fresh-bundle.mjs',
  // Coverage of src/ comes from the in-process tests (the bundle runs in child processes, unmeasured).
  collectCoverage: true,
  collectCoverageFrom: ['src/**/*.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90 } },
  testTimeout: 30000,
  verbose: true
}
