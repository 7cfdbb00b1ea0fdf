import { describe, expect, it } from 'vitest';
import { clientKey } from './client-key.js';

describe('clientKey', () => {
  it('counts IPv4 clients by their address', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('203.0.113.8')).not.toBe(clientKey('203.0.113.7'));
  });

  it('counts every address of one IPv6 /64 as one client, whatever its spelling', () => {
    const keys = ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:eeee:dddd:cccc', '2001:DB8:1:2:0:0:0:9', '2001:db8:1:2::1.2.3.4'].map(clientKey);
    expect(new Set(keys)).toEqual(new Set(['2001:db8:1:2::/64']));
  });

  it('counts IPv4 clients of a dual-stack listener (::ffff:a.b.c.d) one by one, not as one /64', () => {
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::FFFF:203.0.113.8')).toBe('203.0.113.8');
    expect(clientKey('::ffff:203.0.113.7')).not.toBe(clientKey('::ffff:203.0.113.8'));
    expect(clientKey('::ffff:cb00:7107')).toBe('203.0.113.7'); // the same mapped address in hex, as a proxy may forward it
  });

  it('keeps neighbouring /64s apart', () => {
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('keeps what is no IP address apart from every address, spelt as received', () => {
    expect(clientKey('unix-socket')).toBe('other:unix-socket');
    expect(clientKey('127.1')).toBe('other:127.1'); // ipaddr.js would read it as 127.0.0.1; no socket reports it
    expect(clientKey('fe80::zz%eth0')).toBe('other:fe80::zz%eth0');
  });
});
