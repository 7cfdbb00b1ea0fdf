import { TRPCError } from '@trpc/server';

/** Refuses a call whose URL carries a credential, even beside a valid header: it has already leaked. */
export function refuseQueryCredential(ctx: { readonly credentialInQuery: string | undefined }): void {
  if (ctx.credentialInQuery !== undefined) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `Credentials are not accepted in the query string (${ctx.credentialInQuery}); send them in the Authorization or X-API-Key header`,
    });
  }
}
