import type { httpLink } from '@trpc/client';

/** The fetch signature tRPC's HTTP links accept. */
export type LinkFetch = NonNullable<Parameters<typeof httpLink>[0]['fetch']>;
