// ESM TypeScript under Jest, as in actions/typescript-action: ts-jest's ESM preset and a resolver that maps
// the `.js` specifiers NodeNext requires back to the `.ts` sources.
export default {
  preset: 'ts-jest/presets/default-esm',
  resolver: 'ts-jest-resolver',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  // The bundle suite runs a bundle of the current src/, built here, never a stale dist/.
  globalSetup: './harness/fresh-bundle.mjs',
  // V8's own coverage, like the bundle's (NODE_V8_COVERAGE): scripts/coverage.mjs merges the two by line
  // and by branch position, and holds the gates (lines 95 %, branches 90 %).
  collectCoverage: true,
  coverageProvider: 'v8',
  collectCoverageFrom: ['src/**/*.ts'],
  coverageReporters: ['json'],
  // Two workers on a 2-core machine: the in-process suites wait on a virtual clock, not on the machine.
  maxWorkers: 2,
  testTimeout: 60000
}
