  // ------------------------------------------------------------------ crypto.subtle
  // WebCrypto's argument checks and CryptoKey objects live here; the cryptography itself
  // is a host call, host("crypto", op, ...), over Python's `cryptography` package
  // (dispatch_emu/runtime/js/_host/subtle.py). A key's material (raw bytes, PKCS #8 or
  // SPKI DER) stays in a private slot of its CryptoKey.
  //
  // A lazy section (LAZY_FILES in _modules.py): compiled the first time a worker touches
  // crypto.subtle, CryptoKey or a DigestStream, with the internals below as $.
  "use strict";
  const { hostPacked, liftBytes, toBytes, utf8Encode, utf8Decode, DOMException, SLOT } = $;

  const ALGORITHMS = [
    "SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5", "HMAC", "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW",
    "ECDSA", "ECDH", "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP", "Ed25519", "NODE-ED25519", "X25519",
    "PBKDF2", "HKDF",
  ];
  const CANONICAL = new Map(ALGORITHMS.map((name) => [name.toUpperCase(), name]));
  const DIGESTS = ["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"];
  const HASH_BLOCK_BITS = { "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024, MD5: 512 };

  // usages a key of each algorithm may have: [secret or private key, public key]
  const USAGES = {
    HMAC: [["sign", "verify"], []],
    "AES-GCM": [["encrypt", "decrypt", "wrapKey", "unwrapKey"], []],
    "AES-CBC": [["encrypt", "decrypt", "wrapKey", "unwrapKey"], []],
    "AES-CTR": [["encrypt", "decrypt", "wrapKey", "unwrapKey"], []],
    "AES-KW": [["wrapKey", "unwrapKey"], []],
    ECDSA: [["sign"], ["verify"]],
    "RSASSA-PKCS1-v1_5": [["sign"], ["verify"]],
    "RSA-PSS": [["sign"], ["verify"]],
    Ed25519: [["sign"], ["verify"]],
    "NODE-ED25519": [["sign"], ["verify"]],
    "RSA-OAEP": [["decrypt", "unwrapKey"], ["encrypt", "wrapKey"]],
    ECDH: [["deriveKey", "deriveBits"], []],
    X25519: [["deriveKey", "deriveBits"], []],
    PBKDF2: [["deriveKey", "deriveBits"], []],
    HKDF: [["deriveKey", "deriveBits"], []],
  };
  const ASYMMETRIC = ["ECDSA", "ECDH", "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP", "Ed25519", "NODE-ED25519", "X25519"];
  const USAGE_ORDER = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];

  function cryptoError(name, message) { return new DOMException(message, name); }
  const EMPTY_USAGES = "Secret/private CryptoKeys must have at least one usage.";
  const UNKNOWN_DIGEST = "Unrecognized or unimplemented digest algorithm requested.";

  // The arguments cross as host() packs them, one JSON string plus the byte arrays it
  // refers to, put together here: QuickJS's JSON.stringify costs microseconds per object,
  // so a key's material (made by keyOf, below) and a byte array are written directly.
  const MATERIALS = new WeakSet();
  // The JSON of a sign or verify call's parameters given as a name: they depend only on the
  // name and the key's (frozen) algorithm, so they are kept per key, as {[PACKED]: json}.
  const PACKED = Symbol("packed");
  const KEY_PARAMS = new WeakMap();
  function keyParams(algorithm, key) {
    if (typeof algorithm !== "string" || !(key instanceof CryptoKey)) return withKeyParams(normalize(algorithm), key);
    let known = KEY_PARAMS.get(key);
    const hit = known && known.get(algorithm);
    if (hit) return hit;
    const params = withKeyParams(normalize(algorithm), key);
    for (const value of Object.values(params)) if (typeof value === "object" && value !== null) return params;
    if (!known) KEY_PARAMS.set(key, (known = new Map()));
    const packed = { [PACKED]: JSON.stringify(params) };
    known.set(algorithm, packed);
    return packed;
  }
  function hostCrypto(op, ...args) {
    const buffers = [];
    let json = '["' + op + '"';
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg instanceof Uint8Array) {
        json += ',{"$b":' + buffers.length + "}";
        buffers.push(arg);
      } else if (MATERIALS.has(arg) && arg.data instanceof Uint8Array) {
        json += ',{"type":' + JSON.stringify(arg.type) + ',"data":{"$b":' + buffers.length + "}}";
        buffers.push(arg.data);
      } else if (arg !== null && typeof arg === "object" && typeof arg[PACKED] === "string") {
        json += "," + arg[PACKED];
      } else {
        json += "," + (arg === undefined ? "null" : JSON.stringify(arg, liftBytes(buffers)));
      }
    }
    const answer = hostPacked("crypto", json + "]", buffers);
    if (answer !== null && typeof answer === "object" && answer.error && typeof answer.error.name === "string") {
      const { name, message } = answer.error;
      if (name === "TypeError" || name === "RangeError") throw new globalThis[name](message);
      throw cryptoError(name, message);
    }
    return answer;
  }

  function bufferCopy(value, what) {
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return toBytes(value, what).slice();
    throw new TypeError(`${what} must be an ArrayBuffer or ArrayBufferView`);
  }

  function arrayBufferOf(bytes) {
    const b = toBytes(bytes, "result");
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }

  function algorithmName(algorithm) {
    const raw = typeof algorithm === "string" ? algorithm : algorithm && algorithm.name;
    if (typeof raw !== "string") throw new TypeError("Algorithm: the algorithm must be a string or an object with a name");
    const name = CANONICAL.get(raw.toUpperCase());
    if (!name) throw cryptoError("NotSupportedError", `Unrecognized or unimplemented algorithm "${raw}" requested.`);
    return name;
  }

  // a digest's name; any unknown one is "digest algorithm" in workerd's message
  function digestName(algorithm) {
    try { return algorithmName(algorithm); } catch (e) {
      if (e instanceof DOMException) throw cryptoError("NotSupportedError", UNKNOWN_DIGEST);
      throw e;
    }
  }

  function hashName(hash) {
    if (hash === undefined) throw new TypeError("Algorithm: the hash member is required");
    const name = algorithmName(hash);
    if (!DIGESTS.includes(name)) throw cryptoError("NotSupportedError", UNKNOWN_DIGEST);
    return name;
  }

  // The algorithm as the host wants it: canonical names, buffers copied, the hash a name.
  function normalize(algorithm, extraBuffers = []) {
    const name = algorithmName(algorithm);
    const out = { name: name.toUpperCase() };
    if (typeof algorithm === "object") {
      for (const key of Object.keys(algorithm)) {
        const value = algorithm[key];
        if (key === "name") continue;
        if (key === "hash") out.hash = hashName(value);
        else if (key === "public") out.public = value;
        else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) out[key] = bufferCopy(value, key);
        else out[key] = value;
      }
    }
    for (const key of extraBuffers) {
      if (out[key] === undefined) throw new TypeError(`Algorithm: ${name} requires the ${key} member`);
    }
    return out;
  }

  class CryptoKey {
    constructor(token, type, extractable, algorithm, usages, material) {
      if (token !== SLOT) throw new TypeError("Illegal constructor");
      this[SLOT] = { type, extractable, algorithm: Object.freeze(algorithm), usages: Object.freeze(usages), material };
    }
    get type() { return this[SLOT].type; }
    get extractable() { return this[SLOT].extractable; }
    get algorithm() { return this[SLOT].algorithm; }
    get usages() { return this[SLOT].usages; }
    get [Symbol.toStringTag]() { return "CryptoKey"; }
  }

  function sortedUsages(usages) {
    const list = Array.from(usages || [], String);
    for (const u of list) {
      if (!USAGE_ORDER.includes(u)) throw new TypeError(`Invalid key usage "${u}".`);
    }
    return USAGE_ORDER.filter((u) => list.includes(u));
  }

  // the CryptoKey for a host record {type, data, namedCurve?, modulusLength?, publicExponent?, length?}
  function keyOf(record, name, params, extractable, usages) {
    const algorithm = { name };
    if (params.hash) algorithm.hash = { name: params.hash };
    if (record.length !== undefined && name !== "HMAC" && name !== "PBKDF2" && name !== "HKDF") algorithm.length = record.length;
    if (name === "HMAC") algorithm.length = record.length;
    if (record.namedCurve !== undefined) algorithm.namedCurve = record.namedCurve;
    if (name === "NODE-ED25519") algorithm.namedCurve = "NODE-ED25519";
    if (record.modulusLength !== undefined) {
      algorithm.modulusLength = record.modulusLength;
      algorithm.publicExponent = toBytes(record.publicExponent, "publicExponent").slice();
    }
    const material = { type: record.type, data: record.data };
    MATERIALS.add(material);
    return new CryptoKey(SLOT, record.type, Boolean(extractable), algorithm, usages, material);
  }

  function checkUsages(name, type, usages) {
    const allowed = USAGES[name];
    if (!allowed) throw cryptoError("NotSupportedError", `${name} keys are not supported for this operation.`);
    const permitted = type === "public" ? allowed[1] : allowed[0];
    for (const u of usages) {
      if (!permitted.includes(u)) throw cryptoError("SyntaxError", `Usage "${u}" is not valid for a ${type} ${name} key.`);
    }
    if (type !== "public" && usages.length === 0) throw cryptoError("SyntaxError", EMPTY_USAGES);
  }

  function useKey(key, name, usage) {
    if (!(key instanceof CryptoKey)) throw new TypeError("Argument must be a CryptoKey");
    if (key.algorithm.name !== name) {
      throw cryptoError("InvalidAccessError", `Requested algorithm "${name}" does not match this CryptoKey's algorithm "${key.algorithm.name}".`);
    }
    if (!key.usages.includes(usage)) {
      throw cryptoError("InvalidAccessError", `Requested key usage "${usage}" does not match any usage listed in this CryptoKey.`);
    }
    return key[SLOT].material;
  }

  // the algorithm a key operation needs: the key's hash when the call omits it
  function withKeyParams(params, key) {
    if (params.hash === undefined && key.algorithm.hash) params.hash = key.algorithm.hash.name;
    if (params.name === "ECDSA" && params.hash === undefined) {
      throw new TypeError('Missing "hash" in AlgorithmIdentifier. (ECDSA requires that the hash algorithm be specified at call time rather than on the key. This differs from other WebCrypto algorithms for historical reasons.)');
    }
    return params;
  }

  function publicParam(params) {
    if (params.public === undefined) return params;
    const pub = params.public;
    if (!(pub instanceof CryptoKey) || pub.type !== "public") throw cryptoError("InvalidAccessError", "The public member must be a public CryptoKey.");
    if (pub.algorithm.name !== CANONICAL.get(params.name)) {
      throw cryptoError("InvalidAccessError", "The public key's algorithm does not match the private key's.");
    }
    return Object.assign({}, params, { public: pub[SLOT].material });
  }

  function lengthFor(derivedAlgorithm) {
    const name = algorithmName(derivedAlgorithm);
    if (name.startsWith("AES-")) return Number(derivedAlgorithm.length);
    if (name === "HMAC") return derivedAlgorithm.length !== undefined ? Number(derivedAlgorithm.length) : HASH_BLOCK_BITS[hashName(derivedAlgorithm.hash)];
    if (name === "HKDF" || name === "PBKDF2") return null;
    throw cryptoError("NotSupportedError", `Cannot derive a ${name} key.`);
  }

  const subtleMethods = {
    async digest(algorithm, data) {
      const name = digestName(algorithm);
      if (!DIGESTS.includes(name)) throw cryptoError("NotSupportedError", UNKNOWN_DIGEST);
      return arrayBufferOf(hostCrypto("digest", name, bufferCopy(data, "data")));
    },
    async importKey(format, keyData, algorithm, extractable, usages) {
      format = String(format);
      const name = algorithmName(algorithm);
      const params = normalize(algorithm);
      usages = sortedUsages(usages);
      if (name === "HMAC" && params.hash === undefined) throw new TypeError("Algorithm: HMAC requires the hash member");
      if ((name === "PBKDF2" || name === "HKDF") && extractable) throw cryptoError("SyntaxError", `${name} keys cannot be extractable.`);
      let data;
      if (format === "jwk") {
        if (keyData === null || typeof keyData !== "object" || ArrayBuffer.isView(keyData) || keyData instanceof ArrayBuffer) {
          throw new TypeError("importKey: a jwk key must be a JSON Web Key object");
        }
        if (keyData.ext === false && extractable) throw cryptoError("DataError", "The JWK's ext member is false but extractable was requested.");
        if (Array.isArray(keyData.key_ops) && usages.some((u) => !keyData.key_ops.includes(u))) {
          throw cryptoError("DataError", "The requested usages are not all in the JWK's key_ops.");
        }
        data = JSON.parse(JSON.stringify(keyData));
      } else if (["raw", "spki", "pkcs8"].includes(format)) {
        data = bufferCopy(keyData, "keyData");
      } else {
        throw new TypeError(`Unrecognized key import format "${format}".`);
      }
      const record = hostCrypto("importKey", format, data, params);
      checkUsages(name, record.type, usages);
      if (record.type === "public") extractable = true;
      return keyOf(record, name, params, extractable, usages);
    },
    async exportKey(format, key) {
      if (!(key instanceof CryptoKey)) throw new TypeError("exportKey: the key must be a CryptoKey");
      if (!key.extractable) throw cryptoError("InvalidAccessError", `Attempt to export non-extractable ${key.algorithm.name} key.`);
      format = String(format);
      const params = { name: key.algorithm.name.toUpperCase() };
      if (key.algorithm.hash) params.hash = key.algorithm.hash.name;
      const out = hostCrypto("exportKey", format, key[SLOT].material, params);
      if (format === "jwk") {
        // workerd's member order: kty, key_ops, alg, ext, then the key's own members
        const { kty, alg, ...material } = out;
        const jwk = { kty, key_ops: key.usages.slice() };
        if (alg !== undefined) jwk.alg = alg;
        jwk.ext = true;
        return Object.assign(jwk, material);
      }
      return arrayBufferOf(out);
    },
    async generateKey(algorithm, extractable, usages) {
      const name = algorithmName(algorithm);
      const params = normalize(algorithm);
      usages = sortedUsages(usages);
      if (name === "HMAC" && params.hash === undefined) throw new TypeError("Algorithm: HMAC requires the hash member");
      if (!USAGES[name] || name === "PBKDF2" || name === "HKDF") throw cryptoError("NotSupportedError", `Unrecognized key generation algorithm "${name}" requested.`);
      const allowed = USAGES[name];
      for (const u of usages) {
        if (!allowed[0].includes(u) && !allowed[1].includes(u)) throw cryptoError("SyntaxError", `Attempt to generate ${name} key with invalid usage "${u}".`);
      }
      if (usages.length === 0) throw cryptoError("SyntaxError", EMPTY_USAGES);
      const made = hostCrypto("generateKey", params);
      if (made.secret) return keyOf(made.secret, name, params, extractable, usages);
      const privateUsages = usages.filter((u) => allowed[0].includes(u));
      const publicUsages = usages.filter((u) => allowed[1].includes(u));
      if (privateUsages.length === 0) throw cryptoError("SyntaxError", EMPTY_USAGES);
      return {
        privateKey: keyOf(made.private, name, params, extractable, privateUsages),
        publicKey: keyOf(made.public, name, params, true, publicUsages),
      };
    },
    async sign(algorithm, key, data) {
      const params = keyParams(algorithm, key);
      const material = useKey(key, algorithmName(algorithm), "sign");
      return arrayBufferOf(hostCrypto("sign", params, material, bufferCopy(data, "data")));
    },
    async verify(algorithm, key, signature, data) {
      const params = keyParams(algorithm, key);
      const material = useKey(key, algorithmName(algorithm), "verify");
      return hostCrypto("verify", params, material, bufferCopy(signature, "signature"), bufferCopy(data, "data"));
    },
    async encrypt(algorithm, key, data) {
      const params = withKeyParams(normalize(algorithm), key);
      const material = useKey(key, algorithmName(algorithm), "encrypt");
      return arrayBufferOf(hostCrypto("encrypt", params, material, bufferCopy(data, "data")));
    },
    async decrypt(algorithm, key, data) {
      const params = withKeyParams(normalize(algorithm), key);
      const material = useKey(key, algorithmName(algorithm), "decrypt");
      return arrayBufferOf(hostCrypto("decrypt", params, material, bufferCopy(data, "data")));
    },
    async deriveBits(algorithm, baseKey, length) {
      const params = publicParam(withKeyParams(normalize(algorithm), baseKey));
      const material = useKey(baseKey, algorithmName(algorithm), "deriveBits");
      const bits = length === undefined || length === null ? null : Number(length);
      return arrayBufferOf(hostCrypto("deriveBits", params, material, bits));
    },
    async deriveKey(algorithm, baseKey, derivedKeyAlgorithm, extractable, usages) {
      const params = publicParam(withKeyParams(normalize(algorithm), baseKey));
      const material = useKey(baseKey, algorithmName(algorithm), "deriveKey");
      const bits = hostCrypto("deriveBits", params, material, lengthFor(derivedKeyAlgorithm));
      return subtleMethods.importKey("raw", bits, derivedKeyAlgorithm, extractable, usages);
    },
    async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
      const params = withKeyParams(normalize(wrapAlgorithm), wrappingKey);
      const material = useKey(wrappingKey, algorithmName(wrapAlgorithm), "wrapKey");
      const exported = await subtleMethods.exportKey(format, key);
      const bytes = format === "jwk" ? utf8Encode(JSON.stringify(exported)) : new Uint8Array(exported);
      return arrayBufferOf(hostCrypto("wrap", params, material, bytes));
    },
    async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, usages) {
      const params = withKeyParams(normalize(unwrapAlgorithm), unwrappingKey);
      const material = useKey(unwrappingKey, algorithmName(unwrapAlgorithm), "unwrapKey");
      const bytes = hostCrypto("unwrap", params, material, bufferCopy(wrappedKey, "wrappedKey"));
      let keyData = bytes;
      if (format === "jwk") {
        try { keyData = JSON.parse(utf8Decode(toBytes(bytes, "key"), false)); } catch (e) { throw cryptoError("DataError", "The unwrapped key is not a JSON Web Key."); }
      }
      return subtleMethods.importKey(format, keyData, unwrappedKeyAlgorithm, extractable, usages);
    },
    // Cloudflare's extension: compares in time that depends only on the length
    timingSafeEqual(a, b) {
      const x = toBytes(a, "a"), y = toBytes(b, "b");
      if (x.byteLength !== y.byteLength) throw new TypeError("Input buffers must have the same byte length.");
      let diff = 0;
      for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
      return diff === 0;
    },
  };

  class SubtleCrypto {
    constructor(token) { if (token !== SLOT) throw new TypeError("Illegal constructor"); }
    get [Symbol.toStringTag]() { return "SubtleCrypto"; }
  }
  for (const key of Object.keys(subtleMethods)) {
    Object.defineProperty(SubtleCrypto.prototype, key, { value: subtleMethods[key], writable: true, configurable: true });
  }
  const subtle = new SubtleCrypto(SLOT);

  return { subtle, CryptoKey, SubtleCrypto, DIGESTS, digestName, cryptoError, hostCrypto, arrayBufferOf };
