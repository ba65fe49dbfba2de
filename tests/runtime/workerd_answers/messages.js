const enc = new TextEncoder();
async function attempt(f) { try { return await f(); } catch (e) { return 'throws ' + e.name + ': ' + JSON.stringify(e.message) + (e instanceof DOMException ? ' DOMException code ' + e.code : ''); } }
const M = ['GET','HEAD','POST','PUT','DELETE','PATCH','PURGE','OPTIONS','TRACE','COPY','LOCK','MKCOL','MOVE','PROPFIND','PROPPATCH','SEARCH','UNLOCK','ACL','REPORT','MKACTIVITY','CHECKOUT','MERGE','M-SEARCH','MSEARCH','NOTIFY','SUBSCRIBE','UNSUBSCRIBE','QUERY','BAN','CONNECT','TRACK','FOO','LINK','UNLINK','BIND','REBIND','UNBIND','MKCALENDAR','ORDERPATCH','SOURCE','PRI','Get','propfind','m-search', 'DESCRIBE', 'VERSION-CONTROL', 'MKWORKSPACE', 'UPDATE', 'LABEL', 'BASELINE-CONTROL'];
const checks = {
  cloneUsed: async () => { const r = new Response('abc'); await r.text(); return attempt(() => r.clone()); },
  cloneUsedReq: async () => { const r = new Request('https://x/', {method: 'POST', body: 'abc'}); await r.text(); return attempt(() => r.clone()); },
  methods: () => Promise.all(['CONNECT', 'TRACE', 'TRACK', 'FOO', 'get', 'patch', 'PROPFIND', 'connect'].map((m) => attempt(() => new Request('https://x/', {method: m}).method))),
  urls: () => Promise.all(['http://a:99999/', 'http://', '/rel', 'http://a b/', 'mailto:x', 'http://[::1/', 'https://a%00b/'].map((u) => attempt(() => new URL(u).href))),
  urlBase: () => attempt(() => new URL('x', 'mailto:y').href),
  urlBadBase: () => attempt(() => new URL('x', 'nope').href),
  jwkHmac: async () => JSON.stringify(await crypto.subtle.exportKey('jwk', await crypto.subtle.importKey('raw', new Uint8Array(32), {name: 'HMAC', hash: 'SHA-256'}, true, ['sign']))),
  jwkEc: async () => { const kp = await crypto.subtle.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, true, ['sign', 'verify']); return [Object.keys(await crypto.subtle.exportKey('jwk', kp.publicKey)), Object.keys(await crypto.subtle.exportKey('jwk', kp.privateKey))]; },
  jwkAesCbc: async () => Object.keys(await crypto.subtle.exportKey('jwk', await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-CBC', true, ['encrypt']))),
  randFloat: () => attempt(() => crypto.getRandomValues(new Float64Array(2))),
  randBig: () => attempt(() => crypto.getRandomValues(new Uint8Array(65537))),
  randNot: () => attempt(() => crypto.getRandomValues([1, 2])),
  fatal: () => attempt(() => new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xc3]))),
  status: () => Promise.all([99, 600, 1000, 0].map((s) => attempt(() => new Response('x', {status: s}).status))),
  nullBody: () => Promise.all([204, 205, 304].map((s) => attempt(() => new Response('x', {status: s}).status))),
  status101: () => attempt(() => new Response(null, {status: 101}).status),
};
export default { async fetch() {
  const out = {};
  for (const [k, f] of Object.entries(checks)) out[k] = await f();
  const ok = [], bad = [];
  for (const m of M) { try { ok.push(m + '->' + new Request('https://x/', {method: m}).method); } catch (e) { bad.push(m + ':' + e.message); } }
  out.methodsAccepted = ok; out.methodsRefused = bad;
  out.requestUrl = await attempt(() => new Request('/relative'));
  return Response.json(out);
} };
