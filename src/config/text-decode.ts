// Decodes the config file's bytes as UTF-8, strictly. A UTF-16 file (Windows editors, PowerShell's
// `>` redirect), a binary file or a legacy 8-bit encoding is a problem that says so, at the first bad
// byte, instead of reaching the YAML parser as garbage ("empty or not a mapping").

export type Decoded = { text: string } | { problem: { line: number; col: number; message: string } };

const SAVE = 'save it as UTF-8 text';

export function decodeConfig(bytes: Uint8Array): Decoded {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return bad(1, 1, `the config is UTF-16 text (it starts with a UTF-16 byte order mark), not UTF-8; ${SAVE}`);
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    // Text in UTF-16 without a byte order mark has a NUL in every other byte of its ASCII part.
    const head = bytes.subarray(0, 64);
    const nuls = head.filter((b) => b === 0).length;
    const kind = nuls * 3 >= head.length ? 'looks like UTF-16 text, not UTF-8' : 'is not text (it contains NUL bytes: a binary file?)';
    return bad(...lineCol(bytes, nul), `the config ${kind}; ${SAVE}`);
  }
  const invalid = firstInvalidUtf8(bytes);
  if (invalid !== -1) {
    const byte = bytes[invalid]!.toString(16).toUpperCase().padStart(2, '0');
    return bad(...lineCol(bytes, invalid), `the config is not UTF-8 text (byte 0x${byte} here is not valid UTF-8; a Latin-1 or Windows-1252 file?); ${SAVE}`);
  }
  try {
    // ignoreBOM: a UTF-8 byte order mark stays in the text, as before (the YAML parser accepts it).
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return bad(1, 1, `the config is not UTF-8 text; ${SAVE}`);
  }
}

function bad(line: number, col: number, message: string): Decoded {
  return { problem: { line, col, message } };
}

/** 1-based line and column (in bytes) of a byte offset. */
function lineCol(bytes: Uint8Array, offset: number): [number, number] {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 10) {
      line++;
      start = i + 1;
    }
  }
  return [line, offset - start + 1];
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return -1;
}
