const attempt = async (f) => { try { return await f(); } catch (e) { return 'throws ' + e.name + ': ' + e.message; } };
const text = async (s) => new Response(s).text();
const checks = {
  from: () => attempt(async () => text(ReadableStream.from(['a', 'b']).pipeThrough(new TextEncoderStream()))),
  asyncIter: () => attempt(async () => { let out = ''; for await (const c of new Response('abc').body.pipeThrough(new TextDecoderStream())) out += c; return out; }),
  values: () => attempt(async () => typeof new ReadableStream().values),
  tee: () => attempt(async () => { const [a, b] = new Response('xy').body.tee(); return [await text(a), await text(b)]; }),
  pipeTo: () => attempt(async () => { const chunks = []; await new Response('abc').body.pipeTo(new WritableStream({ write(c) { chunks.push(c.length); } })); return chunks; }),
  strChunk: () => attempt(async () => text(new ReadableStream({ start(c) { c.enqueue('str'); c.close(); } }))),
  numChunk: () => attempt(async () => text(new ReadableStream({ start(c) { c.enqueue(5); c.close(); } }))),
  errored: () => attempt(async () => text(new ReadableStream({ start(c) { c.error(new RangeError('bad stream')); } }))),
  cancel: () => attempt(async () => { let why; const s = new ReadableStream({ cancel(r) { why = r; } }); await s.cancel('because'); return why; }),
  lockedGetReader: () => attempt(async () => { const s = new ReadableStream(); s.getReader(); s.getReader(); }),
  byob: () => attempt(async () => { const s = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2, 3])); c.close(); } }); const r = s.getReader({ mode: 'byob' }); const { value } = await r.read(new Uint8Array(2)); return [...value]; }),
  identity: () => attempt(async () => { const t = new IdentityTransformStream(); const w = t.writable.getWriter(); w.write(new Uint8Array([65, 66])); w.close(); return text(t.readable); }),
  fixedLen: () => attempt(async () => new Response(new FixedLengthStream(3).readable).headers.get('content-length')),
  compressBad: () => attempt(async () => new CompressionStream('brotli')),
  decompressBad: () => attempt(async () => text(new Response(new Uint8Array([1, 2, 3])).body.pipeThrough(new DecompressionStream('gzip')))),
  queuing: () => attempt(async () => [new CountQueuingStrategy({ highWaterMark: 3 }).highWaterMark, new ByteLengthQueuingStrategy({ highWaterMark: 8 }).size(new Uint8Array(5))]),
  writerDesired: () => attempt(async () => { const w = new WritableStream({}, { highWaterMark: 2 }).getWriter(); return w.desiredSize; }),
  transformFlush: () => attempt(async () => text(new Response('ab').body.pipeThrough(new TextDecoderStream()).pipeThrough(new TransformStream({ transform(c, ctl) { ctl.enqueue(c.toUpperCase()); }, flush(ctl) { ctl.enqueue('!'); } })).pipeThrough(new TextEncoderStream()))),
  bodyInit: () => attempt(async () => { const r = new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([104, 105])); c.close(); } })); return [r.headers.get('content-length'), await r.text()]; }),
};
export default { async fetch() {
  const out = {};
  for (const [k, f] of Object.entries(checks)) { try { out[k] = await f(); } catch (e) { out[k] = 'outer ' + e.name + ': ' + e.message; } }
  return Response.json(out);
} };
