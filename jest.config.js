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
  collectCoverageFrom: ['src/**/*.ts'],
  testTimeout: 30000,
  verbose: true
}
