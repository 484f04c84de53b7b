// Two projects: fast units beside the code, and integration tests that run real Bazel
// and real interpreters (slow; run in band because they share one Bazel server).
const tsJest = { '^.+\\.ts$': 'ts-jest' };
module.exports = {
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/tests/unit/**/*.test.ts'], transform: tsJest, testEnvironment: 'node' },
    { displayName: 'integration', testMatch: ['<rootDir>/tests/integration/**/*.test.ts'], transform: tsJest, testEnvironment: 'node' },
  ],
};
