const attempt = async (f) => { try { return await f(); } catch (e) { return 'throws ' + e.name + ': ' + e.message; } };
const checks = {
  errorResp: () => { const r = Response.error(); return [r.type, r.status, r.statusText, r.ok, r.body === null]; },
  types: () => [new Response('x').type, new Response('x').url, new Response('x').redirected, new Response(null).body === null, new Response('').body === null],
  emptyText: async () => [await new Response(null).text(), await new Response().arrayBuffer().then((b) => b.byteLength)],
  jsonBad: () => attempt(() => Response.json({ toJSON() { throw new RangeError('no'); } })),
  jsonParse: () => attempt(() => new Response('{bad').json()),
  redirectBad: () => attempt(() => Response.redirect('https://a/', 200)),
  redirectRel: () => attempt(() => Response.redirect('/rel')),
  immut: () => attempt(() => Response.redirect('https://a/').headers.set('x', 'y')),
  immutReq: async () => { const r = new Request('https://x/'); return attempt(() => { r.headers.set('x', 'y'); return r.headers.get('x'); }); },
  ctypes: async () => [new Response('s').headers.get('content-type'), new Response(new Uint8Array(1)).headers.get('content-type'), new Response(new URLSearchParams('a=1')).headers.get('content-type'), new Response(new Blob(['x'], {type: 'a/b'})).headers.get('content-type'), new Response(new Blob(['x'])).headers.get('content-type'), new Response(new ReadableStream()).headers.get('content-type')],
  clen: () => [new Response('abc').headers.get('content-length'), new Request('https://x/', {method: 'POST', body: 'abc'}).headers.get('content-length')],
  headOrder: () => { const h = new Headers([['b', '1'], ['A', '2'], ['set-cookie', 'x=1'], ['a', '3'], ['set-cookie', 'y=2']]); return [...h]; },
  getAll: () => attempt(() => new Headers([['a', '1']]).getAll('a')),
  headNum: () => { const h = new Headers({ x: 1, y: null, z: undefined }); return [...h]; },
  headBadVal: () => attempt(() => new Headers({ a: 'x\0y' })),
  headTrim: () => new Headers({ a: '  v  \t' }).get('a'),
  reqInit: async () => { const r = new Request('https://x/', { method: 'POST', body: 'b', headers: { 'content-type': 'text/x' } }); const r2 = new Request(r, { headers: { a: '1' } }); return [r2.method, [...r2.headers], await r2.text(), r.bodyUsed]; },
  reqHeadBody: () => attempt(() => new Request('https://x/', { method: 'HEAD', body: 'x' })),
  reqRedirect: () => attempt(() => new Request('https://x/', { redirect: 'error' }).redirect),
  reqRedirectBad: () => attempt(() => new Request('https://x/', { redirect: 'nope' })),
  reqCache: () => attempt(() => new Request('https://x/', { cache: 'no-store' }).cache),
  reqMode: () => [typeof new Request('https://x/').mode, typeof new Request('https://x/').credentials, typeof new Request('https://x/').referrer],
  reqUrlNorm: () => new Request('HTTPS://X.example:443/a/../b?c#d').url,
  bodyTwice: async () => { const r = new Response('a'); await r.text(); return attempt(() => r.text()); },
  bodyStreamLocked: async () => { const r = new Response('a'); r.body.getReader(); return attempt(() => r.text()); },
  bodyUsedAfterStream: async () => { const r = new Response('abc'); const rd = r.body.getReader(); await rd.read(); return r.bodyUsed; },
  blobSlice: async () => { const b = new Blob(['abcdef']); return [await b.slice(-2).text(), await b.slice(1, -1).text(), await b.slice(4, 2).text(), b.slice(0, 2, 'x/y').type]; },
  fileDefaults: () => { const f = new File([], 'n'); return [f.type, f.size, typeof f.lastModified, f.webkitRelativePath]; },
  usp: () => { const p = new URLSearchParams('b=2&a=1&a=0&c'); p.sort(); return [p.toString(), p.size, p.get('c'), p.has('a', '0')]; },
  uspEnc: () => new URLSearchParams({ q: 'a b+c&d=é~*' }).toString(),
  atobWs: () => [attempt(() => atob(' aGk= ')), attempt(() => atob('aGk'))],
  cloneResp: async () => { const r = new Response('xy', { status: 201, headers: { a: '1' } }); const c = r.clone(); return [c.status, c.headers.get('a'), await c.text(), await r.text()]; },
  statusTexts: () => [200, 201, 299, 301, 418, 425, 450, 500, 599].map((s) => new Response(null, { status: s === 200 ? 200 : s }).statusText),
  formBody: async () => { const r = new Request('https://x/', { method: 'POST', body: 'a=1&b=%20' , headers: { 'content-type': 'application/x-www-form-urlencoded' } }); const f = await r.formData(); return [...f]; },
  formBadType: async () => attempt(async () => { await new Request('https://x/', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }).formData(); }),
};
const attemptSync = (f) => { try { return f(); } catch (e) { return 'throws ' + e.name + ': ' + e.message; } };
export default { async fetch() {
  const out = {};
  for (const [k, f] of Object.entries(checks)) out[k] = await f();
  const texts = {};
  for (let s = 200; s <= 599; s++) texts[s] = new Response(null, { status: s }).statusText;
  const cache = ['default', 'no-store', 'no-cache', 'reload', 'force-cache', 'only-if-cached', 'bogus', undefined].map((c) => attemptSync(() => String(new Request('https://x/', c === undefined ? {} : { cache: c }).cache)));
  const redirects = ['follow', 'manual', 'error', 'FOLLOW', ''].map((r) => attemptSync(() => new Request('https://x/', { redirect: r }).redirect));
  const locked = await (async () => { const r = new Request('https://x/', { method: 'POST', body: 'a' }); r.body.getReader(); try { await r.arrayBuffer(); } catch (e) { return e.name + ': ' + e.message; } })();
  const lockedClone = (() => { const r = new Response('a'); r.body.getReader(); return attemptSync(() => r.clone()); })();
  Object.assign(out, { texts, cache, redirects, locked, lockedClone });
  return Response.json(out);
} };
