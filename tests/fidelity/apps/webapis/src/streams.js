// Streams as workers use them: generated bodies, transforms, compression, tee.
const enc = new TextEncoder();

export function countingStream(n) {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= n) return controller.close();
      controller.enqueue(enc.encode(`line ${++i}\n`));
    },
  });
}

export function upperCase() {
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk.toUpperCase());
    },
  });
}

export async function readAll(stream) {
  const reader = stream.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return chunks;
}

export async function gzipRoundTrip(text) {
  const compressed = new Response(text).body.pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(compressed).arrayBuffer());
  const back = await new Response(
    new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).text();
  return { magic: [bytes[0], bytes[1]], smaller: bytes.length < text.length, back: back === text };
}
