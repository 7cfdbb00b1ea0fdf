/** The CRC-32 table of IEEE 802.3 (reflected polynomial 0xEDB88320), as zlib and PNG use it. */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index += 1) {
    let value = index;
    for (let bit = 0; bit < 8; bit += 1) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of an ASCII string, as an unsigned integer. Written out because
 * `zlib.crc32` arrived in Node 20.15 and Gatehouse supports 20.11. It is a
 * typo check, not a MAC: the key's secrecy comes from its random part.
 */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let index = 0; index < text.length; index += 1) {
    crc = (TABLE[(crc ^ text.charCodeAt(index)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
