import { describe, expect, it } from 'vitest';
import { createSecurityEvents } from '../audit/security-events.js';
import { pino } from 'pino';
import { createLogLineCollector } from '../../test-support/log-line-collector.js';
import { createLogger, REDACTED_PATHS } from './logger.js';

function capture() {
  const { destination, lines } = createLogLineCollector();
  return { logger: createLogger({ logLevel: 'info' }, { destination }), lines };
}

const SECRETS = {
  token: 'eyJhbGciOiJFUzI1NiJ9.secret-token',
  password: 'hunter2-password',
  refreshToken: 'rt-secret-value',
  apiKey: 'gh_live_secret_key',
  secret: 'client-secret-value',
};

describe('log redaction', () => {
  it('censors secrets an event carried by mistake, in the event line itself', () => {
    const { logger, lines } = capture();
    const events = createSecurityEvents(logger);
    events.emit('login.failed', { ip: '192.0.2.1', requestId: 'r-1', principal: undefined }, { email: 'a@b.io', ...SECRETS });
    const text = lines.join('\n');
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    const logged = JSON.parse(lines[0] ?? '{}');
    expect(logged.event.details).toMatchObject({ email: 'a@b.io', password: '[REDACTED]', token: '[REDACTED]', apiKey: '[REDACTED]' });
  });

  it('censors credentials in request headers and in bodies logged by handlers', () => {
    const { logger, lines } = capture();
    logger.info({
      req: { headers: { authorization: `Bearer ${SECRETS.token}`, cookie: `gh_refresh=${SECRETS.refreshToken}`, 'x-api-key': SECRETS.apiKey } },
      res: { headers: { 'set-cookie': `gh_refresh=${SECRETS.refreshToken}` } },
      body: { password: SECRETS.password, client_secret: SECRETS.secret },
    });
    const text = lines.join('\n');
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
  });

  it('censors the CSRF header, X-Gatehouse-CSRF (cookie refresh and logout), wherever headers are logged', () => {
    const headers = { 'x-gatehouse-csrf': 'csrf-value-1' };
    // The server's logger keeps no header values at all (its req serializer); the redaction paths hold even without it.
    const { logger, lines } = capture();
    logger.info({ req: { method: 'POST', url: '/trpc/auth.refresh', headers } });
    const { destination, lines: bare } = createLogLineCollector();
    pino({ redact: { paths: [...REDACTED_PATHS], censor: '[REDACTED]' } }, destination).info({ req: { headers } });
    expect(JSON.parse(bare[0] ?? '{}').req.headers).toEqual({ 'x-gatehouse-csrf': '[REDACTED]' });
    expect(lines.join('\n')).not.toMatch(/csrf-value/);
  });

  it('replaces credential query parameters in logged URLs', () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: 'GET', url: `/trpc/users.me?access_token=${SECRETS.token}&x=1` } }, 'request');
    expect(lines.join('\n')).not.toContain(SECRETS.token);
    expect(JSON.parse(lines[0] ?? '{}').req.url).toContain('access_token=%5BREDACTED%5D');
  });
});
