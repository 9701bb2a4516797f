// The stream framers on their own: bounded buffers (a line or message over MAX_FRAME_BYTES is refused
// instead of growing without end), frames completed across pushes, and NDJSON's tolerance for CRLF
// and blank lines. End-to-end behaviour (re-chunking at every offset) is in the framed fuzz test.

import { expect, test } from 'bun:test';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { FramingError, MAX_FRAME_BYTES } from '../src/stream/frame-types.ts';
import { createFramer, isStreamContentType } from '../src/stream/framing.ts';

const te = new TextEncoder();
const td = new TextDecoder();

test('NDJSON: lines across pushes, CRLF and blank lines, a trailing line without newline', () => {
  const f = createFramer('ndjson');
  expect(f.push(te.encode('{"a":1}\r\n\n{"b"'))).toEqual([{ data: '{"a":1}' }]);
  expect(f.push(te.encode(':2}\n{"c":3}'))).toEqual([{ data: '{"b":2}' }]);
  expect(f.end()).toEqual([{ data: '{"c":3}' }]);
});

test('NDJSON: a line longer than the bound is refused', () => {
  const f = createFramer('ndjson');
  const piece = te.encode('x'.repeat(1024 * 1024));
  expect(() => {
    for (let i = 0; i <= MAX_FRAME_BYTES / piece.length; i++) f.push(piece);
  }).toThrow(FramingError);
});

test('event-stream: a message split anywhere is decoded once whole; an oversized length is refused', () => {
  const codec = new EventStreamCodec((b) => td.decode(b), (s) => te.encode(s));
  const msg = codec.encode({ headers: { ':message-type': { type: 'string', value: 'event' }, ':event-type': { type: 'string', value: 'messageStop' } }, body: te.encode('{"stopReason":"end_turn"}') });
  const f = createFramer('aws-eventstream');
  expect(f.push(msg.subarray(0, 5))).toEqual([]);
  expect(f.push(msg.subarray(5, 30))).toEqual([]);
  expect(f.push(msg.subarray(30))).toEqual([{ event: 'messageStop', data: '{"stopReason":"end_turn"}' }]);
  const huge = new Uint8Array(12);
  new DataView(huge.buffer).setUint32(0, MAX_FRAME_BYTES + 1);
  expect(() => createFramer('aws-eventstream').push(huge)).toThrow(FramingError);
});

test('SSE: an event growing past the bound without ending is refused', () => {
  const f = createFramer('sse');
  const piece = te.encode(`data: ${'y'.repeat(1024 * 1024)}`);
  expect(() => {
    for (let i = 0; i <= MAX_FRAME_BYTES / piece.length + 1; i++) f.push(piece);
  }).toThrow(FramingError);
});

test('stream content types per framing', () => {
  expect(isStreamContentType('sse', 'text/event-stream; charset=utf-8')).toBe(true);
  expect(isStreamContentType('ndjson', 'application/x-ndjson')).toBe(true);
  expect(isStreamContentType('ndjson', 'application/json')).toBe(false);
  expect(isStreamContentType('aws-eventstream', 'application/vnd.amazon.eventstream')).toBe(true);
});

test('SSE: comment lines between an event\'s data lines do not reset its bound', () => {
  const f = createFramer('sse', 1000);
  const line = `data: ${'x'.repeat(300)}\n: keep-alive\n`;
  expect(() => {
    for (let i = 0; i < 10; i++) f.push(te.encode(line));
  }).toThrow(FramingError);
  // Events that end keep resetting it: ten 300-byte events with comments between them pass.
  const ok = createFramer('sse', 1000);
  let events = 0;
  for (let i = 0; i < 10; i++) events += ok.push(te.encode(`: ping\ndata: ${'y'.repeat(300)}\n\n`)).length;
  expect(events).toBe(10);
});

test('SSE: CR and CRLF line ends, split anywhere, give the same events as LF, also across a flood of bare CRs', () => {
  // A CRLF cut between its CR and LF must stay one line end: `data: e` and `data: f` are one event's two lines.
  const wire = 'data: a\r\n\r\ndata: b\r\rdata: c\n\r\n: note\rdata: d\r\n\rdata: e\r\ndata: f\r\n\r\n';
  const expected = ['a', 'b', 'c', 'd', 'e\nf'];
  for (let cut = 0; cut <= wire.length; cut++) {
    const f = createFramer('sse');
    const got = [...f.push(te.encode(wire.slice(0, cut))), ...f.push(te.encode(wire.slice(cut))), ...f.end()].map((e) => e.data);
    expect(`${cut}: ${got.join(',')}`).toBe(`${cut}: ${expected.join(',')}`);
  }
  // 1 MiB of bare CRs (empty lines) between two events: both events, nothing else.
  const f = createFramer('sse');
  const flood = te.encode('\r'.repeat(256 * 1024));
  const got = f.push(te.encode('data: first\n\n')).map((e) => e.data);
  for (let i = 0; i < 4; i++) got.push(...f.push(flood).map((e) => e.data));
  got.push(...f.push(te.encode('data: last\n\n')).map((e) => e.data));
  expect(got).toEqual(['first', 'last']);
});
