// @ts-check
/**
 * Mutation testing of the security-critical server folders (`pnpm mutation`; README "Tests"). Not part of
 * .ci/run: a full run takes hours on a small machine. Narrow it with --mutate, e.g.
 *   nice -n 19 pnpm mutation --mutate 'apps/server/src/auth/authorize.ts'
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [
    'apps/server/src/{auth,tokens,ratelimit,oauth,apikeys}/**/*.ts',
    '!apps/server/src/**/*.test.ts',
    '!apps/server/src/**/*.mjs',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 30_000,
  // The initial run is the whole judging suite with coverage: on a loaded two-core machine it took more than
  // Stryker's default of 5 minutes.
  dryRunTimeoutMinutes: 45,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  // In place: a sandbox copy would lose the pnpm workspace's per-package node_modules links. Stryker puts
  // every file back when it ends; after an interrupted run, `git checkout apps/server/src` does.
  inPlace: true,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
