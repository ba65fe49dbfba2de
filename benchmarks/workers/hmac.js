// Crypto-heavy request: HMAC-SHA-256 of 1 KB, 1,000 times; answers the last signature in hex.
const DATA = new Uint8Array(1024).map((_, i) => i & 255);
const SECRET = new TextEncoder().encode("benchmark-secret");

export default {
  async fetch() {
    const key = await crypto.subtle.importKey("raw", SECRET, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    let signature;
    for (let i = 0; i < 1000; i++) signature = await crypto.subtle.sign("HMAC", key, DATA);
    const hex = [...new Uint8Array(signature)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return new Response(hex, { headers: { "content-type": "text/plain" } });
  },
};
