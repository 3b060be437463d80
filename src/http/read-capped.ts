/**
 * A response body, whole, or the error `tooLarge` makes as soon as it passes
 * `maxBytes`: nothing further is read. Leaving the loop early ends the stream
 * (a Node stream is destroyed, a web ReadableStream cancelled), so the rest
 * of a huge or endless body is never buffered.
 */
export async function readCapped(body: AsyncIterable<Uint8Array>, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
