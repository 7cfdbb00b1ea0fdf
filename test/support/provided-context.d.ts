import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** false in the e2e-stock-adapter project: servers started by the suites use tRPC's stock adapter. */
    trpcFastPath: boolean;
    /** The store servers run on when a test names none (memory unless the project says otherwise). */
    store: import('./default-store.js').DefaultStoreName;
  }
}
