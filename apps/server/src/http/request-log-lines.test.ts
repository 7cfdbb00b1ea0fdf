import { describe, expect, it } from 'vitest';
import { createLogLineCollector } from '../../test-support/log-line-collector.js';
import { createLogger } from './logger.js';
import { createRequestLogLines } from './request-log-lines.js';

const request = {
  id: 'req-7',
  method: 'GET',
  url: '/trpc/users.me?input=%7B%7D&access_token=eyJ.stolen.sig&password=hunter2',
  ip: '203.0.113.9',
  headers: { authorization: 'Bearer eyJ.header.sig', cookie: '__Host-gatehouse_refresh=secret' },
};

/** Every field but the time, which differs between two lines written one after the other. */
function withoutTime(line: string): Record<string, unknown> {
  const { time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return rest;
}

describe('createRequestLogLines', () => {
  it('writes the same lines as the redacting logger, with the URL credentials redacted and no header', () => {
    const collected = createLogLineCollector();
    const logger = createLogger({ logLevel: 'info' }, { destination: collected.destination });
    const lines = createRequestLogLines(logger);

    logger.info({ reqId: request.id, req: request }, 'incoming request');
    lines.incoming(request);
    logger.info({ reqId: request.id, res: { statusCode: 401 }, responseTime: 1.5 }, 'request completed');
    lines.completed(request.id, 401, 1.5);

    const [viaLogger, viaLines, completedViaLogger, completedViaLines] = collected.lines;
    expect(withoutTime(viaLines ?? '')).toEqual(withoutTime(viaLogger ?? ''));
    expect(withoutTime(completedViaLines ?? '')).toEqual(withoutTime(completedViaLogger ?? ''));
    expect(JSON.parse(viaLines ?? '{}')).toMatchObject({
      reqId: 'req-7',
      msg: 'incoming request',
      req: { method: 'GET', ip: '203.0.113.9', url: '/trpc/users.me?input=%7B%7D&access_token=%5BREDACTED%5D&password=%5BREDACTED%5D' },
    });
    expect(JSON.parse(completedViaLines ?? '{}')).toMatchObject({ reqId: 'req-7', res: { statusCode: 401 }, responseTime: 1.5, msg: 'request completed' });
    const written = collected.lines.join('\n');
    for (const secret of ['eyJ.stolen.sig', 'hunter2', 'eyJ.header.sig', '__Host-gatehouse_refresh']) expect(written).not.toContain(secret);
  });

  it('leaves the parent logger redacting every other line', () => {
    const collected = createLogLineCollector();
    const logger = createLogger({ logLevel: 'info' }, { destination: collected.destination });
    createRequestLogLines(logger).incoming(request);
    logger.info({ event: { details: { password: 'hunter2' } } }, 'security event');
    expect(collected.lines.at(-1)).not.toContain('hunter2');
    expect(collected.lines.at(-1)).toContain('[REDACTED]');
  });
});
