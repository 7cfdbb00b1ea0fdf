// `pnpm --filter @gatehouse/bench token-cache-memory`: heap used by the verified-token cache after a million
// distinct tokens pass through it, at the default bound and unbounded-ish, to show the bound holds.
import type { VerifiedAccessToken } from '../../apps/server/src/tokens/verified-access-token.js';
import { createVerifiedTokenCache } from '../../apps/server/src/tokens/verified-token-cache.js';

const TOKENS = Number(process.env.TOKENS ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function heapMb(): number {
  gc!();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

for (const maxEntries of [Number(process.env.MAX_ENTRIES ?? 100_000)]) {
  const before = heapMb();
  const cache = createVerifiedTokenCache({ maxEntries });
  const expiresAt = Math.floor(Date.now() / 1000) + 900;
  for (let index = 0; index < TOKENS; index += 1) {
    // Shaped like a real access token (about 600 characters); what matters is that each is distinct.
    const token = `eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.${index.toString(36).padStart(500, '-')}.${'s'.repeat(86)}`;
    // Claims as jose hands them over: strings fresh from JSON.parse, scopes split from the scope claim.
    const claims = JSON.parse(
      JSON.stringify({ sub: crypto.randomUUID(), jti: crypto.randomUUID(), client_id: 'gatehouse', scope: 'users:read users:write orders:read orders:write apikeys:manage' }),
    ) as { sub: string; jti: string; client_id: string; scope: string };
    cache.set(token, {
      subject: claims.sub,
      clientId: claims.client_id,
      scopes: claims.scope.split(' ') as VerifiedAccessToken['scopes'],
      jti: claims.jti,
      grant: 'user',
      issuedAt: expiresAt - 900,
      expiresAt,
    });
  }
  const after = heapMb();
  process.stdout.write(
    `${TOKENS} distinct tokens, maxEntries ${maxEntries}: ${cache.size} kept, heap +${(after - before).toFixed(1)} MB ` +
      `(${(((after - before) * 2 ** 20) / cache.size).toFixed(0)} bytes an entry)\n`,
  );
}
