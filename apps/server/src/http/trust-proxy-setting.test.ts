import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { configIssues } from '../../test-support/config-issues.js';

function refusal(value: string): string {
  const issues = configIssues({ GATEHOUSE_TRUST_PROXY: value });
  if (issues.length === 0) throw new Error(`expected GATEHOUSE_TRUST_PROXY=${value} to be refused`);
  return issues.join('\n');
}

describe('GATEHOUSE_TRUST_PROXY', () => {
  it.each([
    ['', false],
    ['false', false],
    ['0', false],
    ['10.0.0.0/8', { addresses: ['10.0.0.0/8'], hops: undefined }],
    [' 10.0.0.0/8 , 192.168.1.10 ', { addresses: ['10.0.0.0/8', '192.168.1.10'], hops: undefined }],
    ['2001:db8::/32,127.0.0.1', { addresses: ['2001:db8::/32', '127.0.0.1'], hops: undefined }],
    ['10.0.0.0/8,hops=2', { addresses: ['10.0.0.0/8'], hops: 2 }],
    ['HOPS=1, 192.0.2.1', { addresses: ['192.0.2.1'], hops: 1 }],
  ])('accepts %j', (value, expected) => {
    expect(parseConfig({ GATEHOUSE_TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each([
    ['1', /bare hop count/],
    ['2', /bare hop count/],
    ['true', /every client choose its IP/],
    ['hops=2', /no proxy address/],
    ['10.0.0.0/8,hops=0', /hops must be/],
    ['10.0.0.0/8,hops=two', /hops must be/],
    ['10.0.0.0/8,hops=1,hops=2', /hops twice/],
    ['0.0.0.0/0', /trusts every address/],
    ['::/0', /trusts every address/],
    ['::ffff:0:0/96', /trusts every address/],
    ['10.0.0.0/33', /prefix length/],
    ['proxy.internal', /not an IP address/],
    ['loopback', /not an IP address/],
    ['10.0.0.0/8;hops=2', /prefix length/],
  ])('refuses %j with an error naming the variable and quoting the value', (value, reason) => {
    const message = refusal(value);
    expect(message).toMatch(/^GATEHOUSE_TRUST_PROXY: /);
    expect(message).toContain(`"${value}"`);
    expect(message).toMatch(reason);
  });
});
