// Web Crypto as workers use it: digests, HMAC signing, JWTs, AES-GCM, PBKDF2, ECDSA.
const enc = new TextEncoder();
const dec = new TextDecoder();

export const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const b64url = (buf) =>
  btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromB64url = (s) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) =>
    c.charCodeAt(0),
  );

export async function digest(algorithm, data) {
  return hex(await crypto.subtle.digest(algorithm, enc.encode(data)));
}

async function hmacKey(secret, usages) {
  return crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, usages);
}

export async function hmacSign(secret, message) {
  return hex(await crypto.subtle.sign("HMAC", await hmacKey(secret, ["sign"]), enc.encode(message)));
}

export async function hmacVerify(secret, message, signatureHex) {
  const sig = new Uint8Array(signatureHex.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
  return crypto.subtle.verify("HMAC", await hmacKey(secret, ["verify"]), sig, enc.encode(message));
}

export async function jwtSign(payload, secret) {
  const header = b64url(enc.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = b64url(enc.encode(JSON.stringify(payload)));
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secret, ["sign"]), enc.encode(`${header}.${body}`));
  return `${header}.${body}.${b64url(sig)}`;
}

export async function jwtVerify(token, secret) {
  const [header, body, sig] = token.split(".");
  if (!sig) return { valid: false, reason: "malformed" };
  const ok = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret, ["verify"]),
    fromB64url(sig),
    enc.encode(`${header}.${body}`),
  );
  return ok ? { valid: true, payload: JSON.parse(dec.decode(fromB64url(body))) } : { valid: false, reason: "signature" };
}

export async function aesGcmRoundTrip(plaintext) {
  const raw = new Uint8Array(32).map((_, i) => i);
  const iv = new Uint8Array(12).map((_, i) => 255 - i);
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  const cipher = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, enc.encode(plaintext));
  const back = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, cipher);
  return { ciphertext: hex(cipher), plaintext: dec.decode(back) };
}

export async function pbkdf2(password, salt, iterations) {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: enc.encode(salt), iterations },
    key,
    256,
  );
  return hex(bits);
}

export async function ecdsaRoundTrip(message) {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const algorithm = { name: "ECDSA", hash: "SHA-256" };
  const sig = await crypto.subtle.sign(algorithm, pair.privateKey, enc.encode(message));
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return {
    signatureBytes: sig.byteLength,
    verifies: await crypto.subtle.verify(algorithm, pair.publicKey, sig, enc.encode(message)),
    rejectsOther: !(await crypto.subtle.verify(algorithm, pair.publicKey, sig, enc.encode(`${message}!`))),
    jwk: { kty: jwk.kty, crv: jwk.crv, hasX: typeof jwk.x === "string", hasD: "d" in jwk },
  };
}
