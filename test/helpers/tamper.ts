/** `base64`'s bytes with the lowest bit of the last one flipped: one wrong bit, the same length and form. */
export function flipLastBit(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes.writeUInt8((bytes.at(-1) ?? 0) ^ 0x01, bytes.length - 1);
  return bytes.toString('base64');
}
