// CIDR matching for IPv4 and IPv6 (including IPv4-mapped IPv6 addresses like ::ffff:10.0.0.1).

export function ipAllowed(ip: string, cidrs: readonly string[]): boolean {
  const addr = parseIp(ip);
  if (!addr) return false;
  return cidrs.some((cidr) => {
    const [base, bitsText] = cidr.split('/');
    const net = parseIp(base);
    if (!net || net.length !== addr.length) return false;
    const bits = bitsText === undefined ? net.length * 8 : Number(bitsText);
    return prefixEqual(addr, net, bits);
  });
}

function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = Math.floor(bits / 8);
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full] & mask) === (b[full] & mask);
}

export function parseIp(text: string): Uint8Array | undefined {
  const ip = text.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return parseV4(mapped[1]);
  if (ip.includes('.') && !ip.includes(':')) return parseV4(ip);
  if (ip.includes(':')) return parseV6(ip);
  return undefined;
}

function parseV4(ip: string): Uint8Array | undefined {
  const text = ip.split('.');
  // Decimal digits only: Number() would also read '', '0x0a' and '1e1'.
  if (text.length !== 4 || text.some((p) => !/^\d{1,3}$/.test(p))) return undefined;
  const parts = text.map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return Uint8Array.from(parts);
}

function parseV6(ip: string): Uint8Array | undefined {
  const [head, tail] = ip.split('::');
  if (ip.split('::').length > 2) return undefined;
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? h.length !== 8 : missing < 0) return undefined;
  const groups = [...h, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...t];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const v = parseInt(groups[i], 16);
    if (!/^[0-9a-f]{1,4}$/i.test(groups[i]) || Number.isNaN(v)) return undefined;
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  return out;
}
