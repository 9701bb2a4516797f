// allow_ips and trust_proxy matching: addresses are parsed strictly (decimal IPv4 octets; Number() alone
// would also read '', '0x0a' and '1e1' as octets), IPv4-mapped IPv6 peers match IPv4 ranges.

import { expect, test } from 'bun:test';
import { ipAllowed, parseIp } from '../../src/pipeline/ip-match.ts';

test('IPv4 octets are decimal digits only', () => {
  for (const bad of ['10..0.1', '0x0a.0.0.1', '1e1.0.0.1', '10.0.0.256', '10.0.0', '10.0.0.1.2', ' .1.1.1']) expect(parseIp(bad)).toBeUndefined();
  expect(parseIp('10.0.0.1')).toEqual(Uint8Array.from([10, 0, 0, 1]));
  expect(ipAllowed('0x0a.0.0.1', ['10.0.0.0/8'])).toBe(false);
  expect(ipAllowed('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true);
  expect(ipAllowed('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
});
