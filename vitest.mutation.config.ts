import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant of the server (stryker.config.mjs): the server's unit tests
 * and the end-to-end suites over real HTTP on the default (fast) path. The stock-adapter rerun, the client
 * and the contracts add time but judge no server line the others do not. Left out as well: the suites whose
 * servers run in another process (the consumer's, server-process: Stryker cannot see what they cover) and the
 * floods and timeouts (audit-flood, login-flood, the code-replay race, slow clients), which would run for
 * every mutant of the authentication path they cover and which judge counting and timing, not these rules.
 */
const OUT_OF_PROCESS_OR_FLOODS = [
  'consumer/**',
  'server-process.test.ts',
  'slow-clients.test.ts',
  'audit-flood.test.ts',
  'login-flood.test.ts',
  'oauth-code-replay-race.test.ts',
];

/**
 * MUTATION_E2E_SUITES (a comma list of test/ file names) narrows the e2e suites that judge, for a short run
 * on a loaded machine: Stryker's initial run is the whole judging set, and one test failing there stops it.
 * `none` judges with the server's unit tests alone.
 */
const NARROWED_E2E = process.env['MUTATION_E2E_SUITES']?.split(',').filter((name) => name !== '');

/**
 * MUTATION_SERVER_TESTS (a comma list of globs under apps/server, e.g. `src/tokens/**\/*.test.ts`) narrows the
 * server's unit tests the same way: a run over one folder needs the tests of that folder, not the password
 * pool's or the stores'.
 */
const NARROWED_SERVER = process.env['MUTATION_SERVER_TESTS']?.split(',').filter((glob) => glob !== '');

const serverProject = {
  test: { name: 'server', root: './apps/server', include: NARROWED_SERVER ?? ['src/**/*.test.ts'] },
};

const e2eProject = {
  test: {
    name: 'e2e',
    root: './test',
    include: NARROWED_E2E ?? ['**/*.test.ts'],
    exclude: ['**/node_modules/**', ...OUT_OF_PROCESS_OR_FLOODS],
    provide: { trpcFastPath: true },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};

const unitTestsOnly = NARROWED_E2E?.length === 1 && NARROWED_E2E[0] === 'none';

export default defineConfig({
  test: { projects: unitTestsOnly ? [serverProject] : [serverProject, e2eProject] },
});
