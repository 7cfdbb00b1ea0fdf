import { contracts, listProcedures } from '@gatehouse/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure, login } from './support/http.js';
import { seededRandom, type SeededRandom } from './support/seeded-random.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

/** Change it to explore; a failure names the seed and the payload, so it reproduces. */
const SEED = 0x6a7e40;
const PAYLOADS_PER_PROCEDURE = 30;

/** Real field names, so hostile values reach deep validation instead of failing on the first unknown key. */
const FIELD_NAMES = [
  'email', 'password', 'name', 'id', 'userId', 'role', 'cursor', 'limit', 'type', 'principal', 'refreshTokenDelivery',
  'items', 'productId', 'quantity', 'shippingAddress', 'line1', 'city', 'postalCode', 'country', 'paymentMethod',
  '__proto__', 'constructor', 'prototype', '', ' ', '0',
];

const HOSTILE_STRINGS = [
  'NaN', 'Infinity', '-Infinity', '-0', '1e309', '0x1F', 'null', 'undefined', 'true', '[]', '{}',
  '\u0000', '\ud800', '\udfff', '\u202e\u0645\u0631\u062d\u0628\u0627', '🦄'.repeat(50), 'ﬀ'.repeat(30), 'Z̷̢̛͖a̸l̵g̶o̵',
  "' OR 1=1 --", '<script>alert(1)</script>', '../../etc/passwd', '${jndi:ldap://x}', '%00', '\r\nX-Injected: 1',
  'admin', 'user', 'login.failed', 'user:00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000000',
  'alice@test.gatehouse', 'a'.repeat(300), 'x'.repeat(100_000), ' '.repeat(5_000),
];

function hostileValue(random: SeededRandom, depth = 0): unknown {
  switch (random.int(depth > 3 ? 6 : 10)) {
    case 0: return random.pick(HOSTILE_STRINGS);
    case 1: return random.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE, 1000, 1001, 101]);
    case 2: return random.pick([true, false, null]);
    case 3: return random.pick(HOSTILE_STRINGS).repeat(1 + random.int(3));
    case 4: return random.int(2) === 0 ? [] : {};
    case 5: return nested(random.int(2_000) + 10, random.chance(0.5));
    case 6: return Array.from({ length: random.int(6) }, () => hostileValue(random, depth + 1));
    default: return hostileObject(random, depth + 1);
  }
}

function hostileObject(random: SeededRandom, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const keys = 1 + random.int(5);
  for (let index = 0; index < keys; index += 1) {
    // defineProperty: a key named __proto__ must be an own key, as JSON.parse makes it on the server.
    Object.defineProperty(object, random.pick(FIELD_NAMES), { value: hostileValue(random, depth), enumerable: true, configurable: true, writable: true });
  }
  return object;
}

function nested(depth: number, asArrays: boolean): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = asArrays ? [value] : { a: value };
  return value;
}

function hostileInput(random: SeededRandom): unknown {
  return random.chance(0.6) ? hostileObject(random) : hostileValue(random);
}

let gatehouse: RunningGatehouse;
let adminToken: string;
const PROCEDURES = listProcedures(contracts);

beforeAll(async () => {
  gatehouse = await startGatehouse();
  adminToken = (await login(gatehouse.url, TEST_USERS.admin)).accessToken;
});
afterAll(() => gatehouse.close());

/**
 * What a hostile request may be answered with: refused as malformed (400), unauthenticated (401), forbidden
 * (403), not found (404), the wrong method (405), too large (413, 414, 431), an unsupported media type (415),
 * or rate limited (429). Anything else (a 5xx above all) means the input got further than it should have.
 */
const EXPECTED_STATUSES = [200, 400, 401, 403, 404, 405, 413, 414, 415, 429, 431];

/** The parts of a tRPC answer these tests read; anything may be missing, since the input was hostile. */
interface WireAnswer {
  readonly result?: { readonly data?: Record<string, unknown> };
  readonly error?: { readonly data?: { readonly issues?: readonly unknown[]; readonly auth?: { readonly reason?: string } } };
}

async function send(label: string, request: () => Promise<Response>): Promise<{ status: number; body: WireAnswer | undefined }> {
  const response = await request();
  const text = await response.text();
  expect(response.status, `${label} → ${response.status} ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(text, label).not.toMatch(/"stack"|\.ts:\d+|node_modules/);
  let body: WireAnswer | undefined;
  try {
    body = JSON.parse(text) as WireAnswer;
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

async function expectClientError(label: string, request: () => Promise<Response>): Promise<void> {
  const { status } = await send(label, request);
  expect(EXPECTED_STATUSES.filter((expected) => expected !== 200), label).toContain(status);
}

describe(`hostile payloads against every procedure (seed ${SEED})`, () => {
  it('has procedures to attack', () => {
    expect(PROCEDURES.length).toBeGreaterThanOrEqual(13);
  });

  it.each(PROCEDURES.map((procedure) => [procedure.path, procedure.contract] as const))(
    '%s answers every hostile input with a 4xx (or a 200 that validated)',
    async (path, contract) => {
      const { kind } = contract;
      const demandsSecondFactor = contract.auth !== 'public' && contract.auth.stepUp?.acr === 'mfa';
      const random = seededRandom(SEED ^ hashPath(path));
      const seen: string[] = [];
      for (let index = 0; index < PAYLOADS_PER_PROCEDURE; index += 1) {
        let input = hostileInput(random);
        const authenticated = random.chance(0.8);
        const headers = authenticated ? bearer(adminToken) : {};
        const asKind = random.chance(0.9) ? kind : kind === 'query' ? 'mutation' : 'query';
        // Whole JSON only: a URL has room for about 6 kB of input, so a longer one is drawn again, never cut.
        while (asKind === 'query' && encodeURIComponent(JSON.stringify(input)).length > 6_000) input = hostileInput(random);
        const json = JSON.stringify(input);
        const valid = contract.input.safeParse(input).success;
        const label = `${path} #${index} (${asKind}, ${authenticated ? 'admin' : 'anonymous'}, ${valid ? 'valid' : 'invalid'}) ${json.slice(0, 200)}`;
        const response = await send(label, () =>
          asKind === 'query'
            ? fetch(`${gatehouse.url}/trpc/${path}?input=${encodeURIComponent(json)}`, { headers })
            : fetch(`${gatehouse.url}/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: json }),
        );
        seen.push(`${asKind === kind ? 'right kind' : 'wrong kind'} ${authenticated ? 'admin' : 'anonymous'} ${valid ? 'valid' : 'invalid'} → ${response.status}`);
        expect(EXPECTED_STATUSES, label).toContain(response.status);
        if (asKind !== kind) {
          expect(response.status, label).toBe(405); // tRPC: a query is a GET, a mutation a POST
        } else if (response.status === 200) {
          expect(valid, `${label}: answered 200 to an input its contract refuses`).toBe(true);
        } else if (authenticated && demandsSecondFactor && response.status !== 429) {
          // The admin signed in with a password only: a contract demanding a second factor refuses the call
          // (RFC 9470) before its input is read, as it refuses an anonymous caller before validation.
          expect(response.status, label).toBe(401);
          expect(response.body?.error?.data?.auth?.reason, label).toBe('step_up_required');
        } else if (!valid && (authenticated || contract.auth === 'public') && response.status !== 429) {
          // The schema is what refuses it: 400 with the zod issues, not a handler tripping over the value.
          expect(response.status, label).toBe(400);
          expect(response.body?.error?.data?.issues?.length, label).toBeGreaterThan(0);
        } else if (valid && authenticated) {
          expect(response.status, `${label}: a valid input refused as malformed`).not.toBe(400);
        }
      }
      expect(seen.length).toBe(PAYLOADS_PER_PROCEDURE);
    },
  );

  it('answers raw garbage bodies, wrong content types and broken batches with 4xx', async () => {
    const random = seededRandom(SEED);
    const mutations = PROCEDURES.filter((procedure) => procedure.contract.kind === 'mutation').map((procedure) => procedure.path);
    const queries = PROCEDURES.filter((procedure) => procedure.contract.kind === 'query').map((procedure) => procedure.path);
    for (let index = 0; index < 40; index += 1) {
      const path = random.pick(mutations);
      const body = random.pick(['', 'null', '"string"', '{"0":', '\u0000'.repeat(100), '{"a":1}'.repeat(50), String(random.next()), `${'['.repeat(50_000)}${']'.repeat(50_000)}`]);
      const contentType = random.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream']);
      await expectClientError(`raw ${path} ${contentType} ${body.slice(0, 40)}`, () =>
        fetch(`${gatehouse.url}/trpc/${path}`, { method: 'POST', headers: { 'content-type': contentType, ...bearer(adminToken) }, body }),
      );
    }
    for (let index = 0; index < 40; index += 1) {
      const size = 1 + random.int(14);
      const paths = Array.from({ length: size }, () => random.pick(queries));
      const input: Record<string, unknown> = {};
      for (let call = 0; call < size; call += 1) {
        if (!random.chance(0.7)) continue;
        let value = hostileInput(random);
        while (encodeURIComponent(JSON.stringify(value)).length > 6_000 / size) value = hostileInput(random);
        input[String(call)] = value;
      }
      if (random.chance(0.2)) Object.defineProperty(input, '__proto__', { value: { polluted: true }, enumerable: true });
      const label = `batch ${paths.join(',')}`;
      const { status, body } = await send(label, () =>
        fetch(`${gatehouse.url}/trpc/${paths.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`, { headers: bearer(adminToken) }),
      );
      // A batch answers 200 when every call succeeded, 207 with each call's own status when some failed.
      expect([200, 207, ...EXPECTED_STATUSES], label).toContain(status);
      if (status === 207) {
        for (const item of body as Array<{ error?: { data?: { httpStatus?: number } } }>) {
          if (item.error !== undefined) expect(EXPECTED_STATUSES, label).toContain(item.error.data?.httpStatus);
        }
      }
    }
  });

  it('is still alive and unpolluted afterwards', async () => {
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((await callProcedure(gatehouse.url, 'health')).status).toBe(200);
    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(adminToken) });
    expect(me.body?.result?.data).toMatchObject({ email: TEST_USERS.admin.email, role: 'admin' });
  });
});

function hashPath(path: string): number {
  let hash = 0;
  for (const character of path) hash = (Math.imul(hash, 31) + character.charCodeAt(0)) | 0;
  return hash;
}
