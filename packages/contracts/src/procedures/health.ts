import { z } from 'zod';
import { defineQuery } from '../define-procedure.js';
import { noInput } from '../schemas/common.js';

export const healthContracts = {
  health: defineQuery({
    summary: 'Liveness: answers while the server can serve requests',
    input: noInput,
    output: z.object({ status: z.literal('ok'), time: z.string() }),
    auth: 'public',
    rateLimit: 'none',
  }),
};
