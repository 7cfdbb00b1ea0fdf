import { describe, expect, it } from 'vitest';
import { admitToFastLane } from './lane-admission.js';

const LIMIT = 4096;
const json = { 'content-type': 'application/json' };
const admit = (method: string, url: string, headers: Record<string, string> = {}) => admitToFastLane({ method, url, headers }, LIMIT);

describe('admitToFastLane', () => {
  it('takes plain JSON queries, batches and mutations, with their query parsed', () => {
    expect(admit('GET', '/trpc/users.me')).toMatchObject({ method: 'GET', path: 'users.me' });
    const batch = admit('GET', '/trpc/health,users.byId?batch=1&input=%7B%7D');
    expect(batch?.path).toBe('health,users.byId');
    expect(batch?.searchParams.get('input')).toBe('{}');
    expect(admit('POST', '/trpc/orders.create', { ...json, 'content-length': '120' })).toMatchObject({ method: 'POST', path: 'orders.create' });
    expect(admit('POST', '/trpc/users.update', { 'content-type': 'application/json; charset=utf-8', 'content-length': '0' })?.path).toBe('users.update');
  });

  it('leaves every other method, path and protocol feature to Fastify', () => {
    expect(admit('HEAD', '/trpc/health')).toBeUndefined();
    expect(admit('OPTIONS', '/trpc/health')).toBeUndefined();
    expect(admit('GET', '/oauth/authorize')).toBeUndefined();
    expect(admit('GET', '/trpc/users%2Eme')).toBeUndefined();
    expect(admit('GET', '/trpc/users.me/')).toBeUndefined();
    expect(admit('GET', '/trpc/')).toBeUndefined();
    expect(admit('GET', `/trpc/${'a'.repeat(2049)}`)).toBeUndefined();
    expect(admit('GET', '/trpc/users.me', { 'trpc-accept': 'application/jsonl' })).toBeUndefined();
    expect(admit('GET', '/trpc/users.me', { accept: 'application/jsonl' })).toBeUndefined();
    expect(admit('GET', '/trpc/events?connectionParams=1')).toBeUndefined();
    expect(admit('GET', '/trpc/users.me?input=%7B%7D', { 'content-type': 'text/plain' })).toBeUndefined();
  });

  it('leaves bodies Fastify must judge to Fastify: undeclared, chunked, over the limit, other spellings', () => {
    expect(admit('GET', '/trpc/users.me', { 'content-length': '10' })).toBeUndefined();
    expect(admit('POST', '/trpc/orders.create', json)).toBeUndefined();
    expect(admit('POST', '/trpc/orders.create', { ...json, 'transfer-encoding': 'chunked' })).toBeUndefined();
    expect(admit('POST', '/trpc/orders.create', { ...json, 'content-length': String(LIMIT + 1) })).toBeUndefined();
    expect(admit('POST', '/trpc/orders.create', { ...json, 'content-length': '1e3' })).toBeUndefined();
    expect(admit('POST', '/trpc/orders.create', { 'content-type': 'Application/JSON', 'content-length': '2' })).toBeUndefined();
    expect(admit('POST', '/trpc/orders.create', { 'content-type': 'application/jsonx', 'content-length': '2' })).toBeUndefined();
    expect(admit('POST', '/trpc/users.update', { 'content-type': 'multipart/form-data; boundary=x', 'content-length': '20' })).toBeUndefined();
  });
});
