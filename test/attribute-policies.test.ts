import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForAuditRecord } from './support/audit.js';
import { bearer, callProcedure, login, type RawResponse } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { createStoredUser } from './support/stored-user.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

/*
 * The policy declared in the orders.byId contract (order.readable), over
 * HTTP: ownership is one rule of it, and support staff read the orders of
 * their own region once an admin has given them the attributes. Runs on
 * memory (e2e), Redis (e2e-redis) and PostgreSQL (e2e-postgres: users,
 * their attributes, orders and the audit log are tables there), as listed
 * in STORE_VARIANT_SUITES (vitest.config.ts).
 */
const CAROL = { email: 'carol@test.gatehouse', password: 'carol-test-password', name: 'Carol', role: 'user' } as const;

const orderTo = (country: string) => ({
  items: [{ productId: 1, quantity: 1 }],
  shippingAddress: { line1: '1 Main Street', city: 'Somewhere', postalCode: '10115', country },
  paymentMethod: 'paypal',
});

let gatehouse: RunningGatehouse;
let admin: string;
let alice: string;
let carol: { accessToken: string; user: { id: string } };
let germanOrder: string;
let americanOrder: string;

beforeAll(async () => {
  gatehouse = await startGatehouse({ seed: { ...TEST_SEED, users: [...TEST_SEED.users, CAROL] } });
  [admin, alice, carol] = await Promise.all([
    login(gatehouse.url, TEST_USERS.admin).then((grant) => grant.accessToken),
    login(gatehouse.url, TEST_USERS.alice).then((grant) => grant.accessToken),
    login(gatehouse.url, CAROL),
  ]);
  const place = async (country: string) =>
    (await callProcedure(gatehouse.url, 'orders.create', { kind: 'mutation', input: orderTo(country), headers: bearer(alice) })).body.result.data.id as string;
  [germanOrder, americanOrder] = await Promise.all([place('DE'), place('US')]);
});
afterAll(() => gatehouse.close());

const readOrder = (token: string, id: string) => callProcedure(gatehouse.url, 'orders.byId', { input: { id }, headers: bearer(token) });
const setAttributes = (token: string, userId: string, attributes: unknown) =>
  callProcedure(gatehouse.url, 'admin.users.setAttributes', { kind: 'mutation', input: { userId, attributes }, headers: bearer(token) });

/** A 404 as a caller sees it, without what differs per request. */
function notFoundShape(response: RawResponse) {
  const { requestId: _requestId, ...data } = response.body.error.data;
  return { status: response.status, message: response.body.error.message, code: response.body.error.code, data };
}

describe('order.readable over HTTP', () => {
  it('refuses a user with no attributes another user’s order exactly like a missing one, and audits the policy', async () => {
    // A user of its own: the other tests give Carol attributes, in whatever order they run.
    const plain = await createStoredUser(gatehouse, 'no-attributes');
    const { accessToken } = await login(gatehouse.url, plain);
    const refused = await readOrder(accessToken, germanOrder);
    const missing = await readOrder(accessToken, randomUUID());
    expect(refused.status).toBe(404);
    expect(notFoundShape(refused)).toEqual(notFoundShape(missing));
    const record = await waitForAuditRecord(gatehouse.url, admin, 'authz.denied', (r) => r.principal === `user:${plain.id}`);
    expect(record.details).toMatchObject({ path: 'orders.byId', reason: 'policy', policy: 'order.readable' });
  });

  it('an admin sets attributes (audited); support staff then read orders of their region only, and read only', async () => {
    const set = await setAttributes(admin, carol.user.id, { department: 'support', region: 'emea' });
    expect(set.status).toBe(200);
    expect(set.body.result.data).toMatchObject({ id: carol.user.id, attributes: { department: 'support', region: 'emea' } });
    const audited = await waitForAuditRecord(gatehouse.url, admin, 'user.attributes_changed', (r) => r.details['userId'] === carol.user.id);
    expect(audited.principal).toMatch(/^user:/);
    expect(JSON.parse(String(audited.details['to']))).toEqual({ department: 'support', region: 'emea' });

    const allowed = await readOrder(carol.accessToken, germanOrder);
    expect(allowed.status).toBe(200);
    expect(allowed.body.result.data).toMatchObject({ id: germanOrder, shippingAddress: { country: 'DE' } });
    // Another region's order stays invisible, and so do the region's orders in her own list: the rule reads, it does not list.
    expect((await readOrder(carol.accessToken, americanOrder)).status).toBe(404);
    const listed = await callProcedure(gatehouse.url, 'orders.list', { input: {}, headers: bearer(carol.accessToken) });
    expect(listed.body.result.data.items).toEqual([]);
  });

  it('a changed department holds at once, with the same token', async () => {
    expect((await setAttributes(admin, carol.user.id, { department: 'sales', region: 'emea' })).status).toBe(200);
    expect((await readOrder(carol.accessToken, germanOrder)).status).toBe(404);
    expect((await setAttributes(admin, carol.user.id, { department: 'support', region: 'americas' })).status).toBe(200);
    expect((await readOrder(carol.accessToken, americanOrder)).status).toBe(200);
    expect((await readOrder(carol.accessToken, germanOrder)).status).toBe(404);
  });

  it('setAttributes: admins only (403), known values only (400), known users only (404)', async () => {
    const byUser = await setAttributes(alice, carol.user.id, { department: 'support', region: 'emea' });
    expect(byUser.status).toBe(403);
    expect(byUser.body.error.data.auth.reason).toBe('insufficient_scope');
    expect((await setAttributes(admin, carol.user.id, { department: 'hr' })).status).toBe(400);
    expect((await setAttributes(admin, carol.user.id, { clearance: 'top' })).status).toBe(400);
    expect((await setAttributes(admin, randomUUID(), { department: 'support' })).status).toBe(404);
  });

  it('ownership is still a rule of the policy: the owner and an admin read the order', async () => {
    expect((await readOrder(alice, americanOrder)).status).toBe(200);
    expect((await readOrder(admin, americanOrder)).status).toBe(200);
  });
});
