import { describe, expect, it } from 'vitest';
import { quotedString } from './quoted-string.js';

describe('quotedString', () => {
  it('escapes quotes and backslashes, so a value cannot end the parameter early', () => {
    expect(quotedString('plain')).toBe('"plain"');
    expect(quotedString('say "hi"')).toBe('"say \\"hi\\""');
    expect(quotedString('back\\slash')).toBe('"back\\\\slash"');
    expect(quotedString('", error="none')).toBe('"\\", error=\\"none"');
  });
});
