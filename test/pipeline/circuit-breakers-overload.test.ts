// CircuitBreakers remember whether a target's last failure was the upstream's own overload (a 529), which
// decides the answer while its circuit is open (src/pipeline/failover.ts); any other failure, a success
// or another process closing the breaker forgets it.

import { describe, expect, test } from 'bun:test';
import { CircuitBreakers } from '../../src/pipeline/circuit-breakers.ts';

const overloadFailure = (b: CircuitBreakers, key: string) => b.failure(key, 2, 30_000, undefined, Date.now(), true, true);

describe('CircuitBreakers: why a circuit opened', () => {
  test('a circuit opened by overload failures says so; the last failure decides', () => {
    const b = new CircuitBreakers();
    expect(b.overloaded('t')).toBe(false);
    overloadFailure(b, 't');
    overloadFailure(b, 't');
    expect(b.tryAcquire('t')).toBe(false);
    expect(b.overloaded('t')).toBe(true);

    b.failure('u', 2, 30_000);
    overloadFailure(b, 'u');
    expect(b.overloaded('u')).toBe(true);
    b.failure('u', 2, 30_000); // a failed probe with another cause
    expect(b.overloaded('u')).toBe(false);
  });

  test('a success, or a close from another process, forgets it; marking an unknown target is a no-op', () => {
    const b = new CircuitBreakers();
    overloadFailure(b, 't');
    b.success('t');
    expect(b.overloaded('t')).toBe(false);
    overloadFailure(b, 't');
    b.forceClose('t');
    expect(b.overloaded('t')).toBe(false);
    b.markOverload('never-failed');
    expect(b.overloaded('never-failed')).toBe(false);
    expect(b.snapshot().map((s) => s.key)).toEqual(['t']);
  });
});
