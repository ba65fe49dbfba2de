"""``crypto.subtle`` in JavaScript workers: published test vectors, round trips, CryptoKey
objects and the DOMException names WebCrypto specifies.

Each vector names its source. Signatures that are randomized (ECDSA, RSA-PSS) are checked
by verifying a published signature and by round trips; RSA signatures made in the worker are
also verified by Python's ``cryptography``, so the wire format is checked outside our code.
"""

from __future__ import annotations

import base64

import pytest

from dispatch_emu.runtime import Runtime, RuntimeSettings
from tests.runtime.js_snippets import run


@pytest.fixture(scope="module")
def runtime():
    with Runtime(RuntimeSettings(cpu_ms=5000, wall_ms=10000, memory_bytes=64 * 2**20)) as rt:
        yield rt


def test_digests_fips_180_and_rfc_1321(runtime) -> None:
    # FIPS 180-2 appendix examples ("abc"), RFC 1321 section A.5 ("abc")
    out = run(runtime, """
      const r = {};
      for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5", "sha-256", {name: "SHA-1"}]) {
        r[typeof alg === "string" ? alg : "obj"] = hex(await crypto.subtle.digest(alg, utf8("abc")));
      }
      r.unknown = await caught(() => crypto.subtle.digest("SHA-3", utf8("abc")));
      return r;
    """)
    assert out["SHA-1"] == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert out["SHA-256"] == out["sha-256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert out["SHA-384"] == (
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
    )
    assert out["SHA-512"] == (
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
        "454d4423643ce80e2a9ac94fa54ca49f"
    )
    assert out["MD5"] == "900150983cd24fb0d6963f7d28e17f72"
    assert out["obj"] == out["SHA-1"]
    assert out["unknown"][1] == "NotSupportedError"


def test_hmac_rfc_4231_case_2_and_key_objects(runtime) -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
    out = run(runtime, """
      const r = {};
      for (const hash of ["SHA-256", "SHA-512"]) {
        const key = await crypto.subtle.importKey("raw", utf8("Jefe"), {name: "HMAC", hash}, false, ["verify", "sign"]);
        const mac = await crypto.subtle.sign("HMAC", key, utf8("what do ya want for nothing?"));
        r[hash] = hex(mac);
        r[hash + "-ok"] = await crypto.subtle.verify("HMAC", key, mac, utf8("what do ya want for nothing?"));
        r[hash + "-bad"] = await crypto.subtle.verify("HMAC", key, mac, utf8("what do ya want for nothing!"));
        r.key = {type: key.type, extractable: key.extractable, algorithm: key.algorithm, usages: key.usages,
                 tag: Object.prototype.toString.call(key), isKey: key instanceof CryptoKey};
      }
      const gen = await crypto.subtle.generateKey({name: "HMAC", hash: "SHA-384"}, true, ["sign"]);
      r.generated = [gen.algorithm.length, (await crypto.subtle.exportKey("raw", gen)).byteLength];
      r.jwk = await crypto.subtle.exportKey("jwk", await crypto.subtle.importKey("raw", utf8("Jefe"), {name: "HMAC", hash: "SHA-256"}, true, ["sign"]));
      return r;
    """)
    assert out["SHA-256"] == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert out["SHA-512"] == (
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fd"
        "caeab1a34d4a6b4b636e070a38bce737"
    )
    assert out["SHA-256-ok"] is True and out["SHA-256-bad"] is False
    assert out["key"] == {
        "type": "secret",
        "extractable": False,
        "algorithm": {"name": "HMAC", "hash": {"name": "SHA-512"}, "length": 32},
        "usages": ["sign", "verify"],
        "tag": "[object CryptoKey]",
        "isKey": True,
    }
    assert out["generated"] == [1024, 128]  # the hash's block size
    assert out["jwk"] == {"kty": "oct", "k": "SmVmZQ", "alg": "HS256", "key_ops": ["sign"], "ext": True}


def test_aes_gcm_cbc_ctr_kw_published_vectors(runtime) -> None:
    out = run(runtime, """
      const r = {};
      // AES-GCM: McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 3 and 4
      const gk = await crypto.subtle.importKey("raw", unhex("feffe9928665731c6d6a8f9467308308"), "AES-GCM", false, ["encrypt", "decrypt"]);
      const p3 = unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
      const iv = unhex("cafebabefacedbaddecaf888");
      r.gcm3 = hex(await crypto.subtle.encrypt({name: "AES-GCM", iv}, gk, p3));
      const aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
      const c4 = await crypto.subtle.encrypt({name: "AES-GCM", iv, additionalData: aad}, gk, p3.subarray(0, 60));
      r.gcm4 = hex(c4);
      r.gcm4back = hex(await crypto.subtle.decrypt({name: "AES-GCM", iv, additionalData: aad}, gk, c4));
      const tampered = new Uint8Array(c4); tampered[0] ^= 1;
      r.gcmBad = await caught(() => crypto.subtle.decrypt({name: "AES-GCM", iv, additionalData: aad}, gk, tampered));
      r.gcm96 = (await crypto.subtle.encrypt({name: "AES-GCM", iv, tagLength: 96}, gk, p3)).byteLength;
      // AES-CBC and AES-CTR: NIST SP 800-38A, F.2.1 and F.5.1 (the first two blocks)
      const k128 = unhex("2b7e151628aed2a6abf7158809cf4f3c");
      const blocks = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
      const ck = await crypto.subtle.importKey("raw", k128, {name: "AES-CBC"}, true, ["encrypt", "decrypt"]);
      const cbc = await crypto.subtle.encrypt({name: "AES-CBC", iv: unhex("000102030405060708090a0b0c0d0e0f")}, ck, blocks);
      r.cbc = [hex(cbc).slice(0, 64), cbc.byteLength];  // WebCrypto adds a PKCS #7 block
      r.cbcBack = hex(await crypto.subtle.decrypt({name: "AES-CBC", iv: unhex("000102030405060708090a0b0c0d0e0f")}, ck, cbc));
      r.cbcKey = ck.algorithm;
      const tk = await crypto.subtle.importKey("raw", k128, "AES-CTR", false, ["encrypt"]);
      r.ctr = hex(await crypto.subtle.encrypt({name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), length: 64}, tk, blocks));
      // a 1-bit counter wraps after two blocks: block 3 uses the first counter again
      const wrapCtr = await crypto.subtle.encrypt({name: "AES-CTR", counter: new Uint8Array(16), length: 1}, tk, new Uint8Array(48));
      r.ctrWrap = hex(wrapCtr.slice(0, 16)) === hex(wrapCtr.slice(32, 48));
      // AES-KW: RFC 3394 section 4.1 (128-bit KEK wraps 128 bits of key data)
      const kek = await crypto.subtle.importKey("raw", unhex("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
      const data = await crypto.subtle.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-GCM", true, ["encrypt"]);
      const wrapped = await crypto.subtle.wrapKey("raw", data, kek, "AES-KW");
      r.kw = hex(wrapped);
      const back = await crypto.subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["decrypt"]);
      r.kwBack = [hex(await crypto.subtle.exportKey("raw", back)), back.usages, back.algorithm];
      r.badLength = await caught(() => crypto.subtle.importKey("raw", new Uint8Array(5), "AES-GCM", false, ["encrypt"]));
      return r;
    """)
    assert out["gcm3"] == (
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05"
        "1ba30b396a0aac973d58e091473f5985" + "4d5c2af327cd64a62cf35abd2ba6fab4"
    )
    assert out["gcm4"] == (
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05"
        "1ba30b396a0aac973d58e091" + "5bc94fbc3221a5db94fae95ae7121a47"
    )
    assert out["gcm4back"] == (
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
        "b16aedf5aa0de657ba637b39"
    )
    assert out["gcmBad"][:2] == ["DOMException", "OperationError"]
    assert out["gcm96"] == 64 + 12
    assert out["cbc"] == ["7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2", 48]
    assert out["cbcBack"] == "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    assert out["cbcKey"] == {"name": "AES-CBC", "length": 128}
    assert out["ctr"] == "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
    assert out["ctrWrap"] is True
    assert out["kw"] == "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"
    assert out["kwBack"] == ["00112233445566778899aabbccddeeff", ["decrypt"], {"name": "AES-GCM", "length": 128}]
    assert out["badLength"][1] == "DataError"


def test_pbkdf2_rfc_6070_and_hkdf_rfc_5869(runtime) -> None:
    out = run(runtime, """
      const r = {};
      const pw = await crypto.subtle.importKey("raw", utf8("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
      for (const iterations of [1, 2, 4096]) {
        r["p" + iterations] = hex(await crypto.subtle.deriveBits({name: "PBKDF2", hash: "SHA-1", salt: utf8("salt"), iterations}, pw, 160));
      }
      r.extractable = await caught(() => crypto.subtle.importKey("raw", utf8("pw"), "PBKDF2", true, ["deriveBits"]));
      const aes = await crypto.subtle.deriveKey({name: "PBKDF2", hash: "SHA-256", salt: utf8("salt"), iterations: 10}, pw, {name: "AES-GCM", length: 256}, true, ["encrypt"]);
      r.derivedKey = [aes.algorithm, (await crypto.subtle.exportKey("raw", aes)).byteLength];
      const ikm = await crypto.subtle.importKey("raw", new Uint8Array(22).fill(0x0b), "HKDF", false, ["deriveBits"]);
      r.hkdf = hex(await crypto.subtle.deriveBits({name: "HKDF", hash: "SHA-256", salt: unhex("000102030405060708090a0b0c"), info: unhex("f0f1f2f3f4f5f6f7f8f9")}, ikm, 336));
      r.noLength = await caught(() => crypto.subtle.deriveBits({name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0)}, ikm, null));
      r.wrongUsage = await caught(() => crypto.subtle.deriveKey({name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0)}, ikm, {name: "AES-GCM", length: 128}, false, ["encrypt"]));
      return r;
    """)
    # RFC 6070 section 2 (PBKDF2-HMAC-SHA1, "password"/"salt")
    assert out["p1"] == "0c60c80f961f0e71f3a9b524af6012062fe037a6"
    assert out["p2"] == "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"
    assert out["p4096"] == "4b007901b765489abead49d926f721d065a429c1"
    assert out["extractable"][1] == "SyntaxError"
    assert out["derivedKey"] == [{"name": "AES-GCM", "length": 256}, 32]
    # RFC 5869 appendix A.1
    assert out["hkdf"] == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )
    assert out["noLength"][1] == "OperationError"
    assert out["wrongUsage"][1] == "InvalidAccessError"  # the key allows deriveBits only


def test_ed25519_rfc_8032_test_1(runtime) -> None:
    # RFC 8032 section 7.1, TEST 1 (empty message)
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    out = run(runtime, f"""
      const jwk = {{kty: "OKP", crv: "Ed25519", d: "{b64u(secret)}", x: "{b64u(public)}"}};
      const priv = await crypto.subtle.importKey("jwk", jwk, "Ed25519", false, ["sign"]);
      const pub = await crypto.subtle.importKey("raw", unhex("{public.hex()}"), {{name: "Ed25519"}}, true, ["verify"]);
      const sig = await crypto.subtle.sign("Ed25519", priv, new Uint8Array(0));
      const node = await crypto.subtle.importKey("raw", unhex("{public.hex()}"), {{name: "NODE-ED25519", namedCurve: "NODE-ED25519"}}, true, ["verify"]);
      return {{
        sig: hex(sig),
        ok: await crypto.subtle.verify("Ed25519", pub, sig, new Uint8Array(0)),
        node: await crypto.subtle.verify({{name: "NODE-ED25519"}}, node, sig, new Uint8Array(0)),
        pub: [pub.type, pub.extractable, pub.algorithm, pub.usages],
        spki: hex(await crypto.subtle.exportKey("spki", pub)),
        pair: Object.keys(await crypto.subtle.generateKey("Ed25519", false, ["sign", "verify"])).sort(),
      }};
    """)
    assert out["sig"] == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
        "d25bf5f0595bbe24655141438e7a100b"
    )
    assert out["ok"] is True and out["node"] is True
    assert out["pub"] == ["public", True, {"name": "Ed25519"}, ["verify"]]
    assert out["spki"] == "302a300506032b6570032100" + public.hex()
    assert out["pair"] == ["privateKey", "publicKey"]


def test_ecdsa_verifies_rfc_6979_signature_and_round_trips(runtime) -> None:
    # RFC 6979 appendix A.2.5: P-256, SHA-256, message "sample" (a deterministic signature
    # any ECDSA verifier accepts)
    out = run(runtime, """
      const b64u = (h) => btoa(String.fromCharCode(...unhex(h))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
      const jwk = {kty: "EC", crv: "P-256",
        x: b64u("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"),
        y: b64u("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299")};
      const pub = await crypto.subtle.importKey("jwk", jwk, {name: "ECDSA", namedCurve: "P-256"}, true, ["verify"]);
      const sig = unhex("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
      const r = {};
      r.rfc = await crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, pub, sig, utf8("sample"));
      r.other = await crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, pub, sig, utf8("samples"));
      r.raw = hex(await crypto.subtle.exportKey("raw", pub));
      for (const [curve, hash] of [["P-256", "SHA-256"], ["P-384", "SHA-384"]]) {
        const pair = await crypto.subtle.generateKey({name: "ECDSA", namedCurve: curve}, false, ["sign", "verify"]);
        const s = await crypto.subtle.sign({name: "ECDSA", hash}, pair.privateKey, utf8("hi"));
        const spki = await crypto.subtle.exportKey("spki", pair.publicKey);
        const again = await crypto.subtle.importKey("spki", spki, {name: "ECDSA", namedCurve: curve}, false, ["verify"]);
        r[curve] = [s.byteLength, await crypto.subtle.verify({name: "ECDSA", hash}, again, s, utf8("hi")),
                    pair.privateKey.extractable, pair.publicKey.extractable, pair.privateKey.usages, pair.publicKey.usages];
        r[curve + "export"] = await caught(() => crypto.subtle.exportKey("pkcs8", pair.privateKey));
      }
      r.wrongAlg = await caught(() => crypto.subtle.verify("HMAC", pub, sig, utf8("sample")));
      r.badUsage = await caught(() => crypto.subtle.importKey("jwk", jwk, {name: "ECDSA", namedCurve: "P-256"}, true, ["sign"]));
      r.badCurve = await caught(() => crypto.subtle.importKey("jwk", jwk, {name: "ECDSA", namedCurve: "P-384"}, true, ["verify"]));
      return r;
    """)
    assert out["rfc"] is True and out["other"] is False
    assert out["raw"] == (
        "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
        "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
    )
    assert out["P-256"] == [64, True, False, True, ["sign"], ["verify"]]
    assert out["P-384"] == [96, True, False, True, ["sign"], ["verify"]]
    assert out["P-256export"][1] == "InvalidAccessError"
    assert out["wrongAlg"][1] == "InvalidAccessError"
    assert out["badUsage"][1] == "SyntaxError"
    assert out["badCurve"][1] == "DataError"


def test_rsa_signatures_and_oaep_interoperate_with_python(runtime) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    out = run(runtime, """
      const r = {};
      const pkcs1 = await crypto.subtle.generateKey({name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256"}, true, ["sign", "verify"]);
      r.alg = Object.assign({}, pkcs1.publicKey.algorithm, {publicExponent: Array.from(pkcs1.publicKey.algorithm.publicExponent)});
      r.spki = hex(await crypto.subtle.exportKey("spki", pkcs1.publicKey));
      r.pkcs1 = hex(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pkcs1.privateKey, utf8("message")));
      r.pkcs1Again = hex(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pkcs1.privateKey, utf8("message")));
      const jwk = await crypto.subtle.exportKey("jwk", pkcs1.privateKey);
      r.jwk = [jwk.kty, jwk.alg, Object.keys(jwk).sort()];
      const pss = await crypto.subtle.importKey("jwk", Object.assign({}, jwk, {alg: undefined, key_ops: undefined}), {name: "RSA-PSS", hash: "SHA-256"}, false, ["sign"]);
      r.pss = hex(await crypto.subtle.sign({name: "RSA-PSS", saltLength: 32}, pss, utf8("message")));
      const pssPub = await crypto.subtle.importKey("spki", unhex(r.spki), {name: "RSA-PSS", hash: "SHA-256"}, false, ["verify"]);
      r.pssOk = await crypto.subtle.verify({name: "RSA-PSS", saltLength: 32}, pssPub, unhex(r.pss), utf8("message"));
      const oaep = await crypto.subtle.generateKey({name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256"}, true, ["encrypt", "decrypt", "wrapKey", "unwrapKey"]);
      const ct = await crypto.subtle.encrypt({name: "RSA-OAEP", label: utf8("L")}, oaep.publicKey, utf8("secret"));
      r.oaep = new TextDecoder().decode(await crypto.subtle.decrypt({name: "RSA-OAEP", label: utf8("L")}, oaep.privateKey, ct));
      r.oaepWrongLabel = await caught(() => crypto.subtle.decrypt({name: "RSA-OAEP"}, oaep.privateKey, ct));
      r.oaepPkcs8 = hex(await crypto.subtle.exportKey("pkcs8", oaep.privateKey));
      r.oaepUsages = [oaep.privateKey.usages, oaep.publicKey.usages];
      const hmac = await crypto.subtle.generateKey({name: "HMAC", hash: "SHA-256"}, true, ["sign"]);
      const wrappedJwk = await crypto.subtle.wrapKey("jwk", hmac, oaep.publicKey, {name: "RSA-OAEP"});
      const unwrapped = await crypto.subtle.unwrapKey("jwk", wrappedJwk, oaep.privateKey, {name: "RSA-OAEP"}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"]);
      r.unwrapped = hex(await crypto.subtle.exportKey("raw", unwrapped)) === hex(await crypto.subtle.exportKey("raw", hmac));
      return r;
    """)
    assert out["alg"] == {
        "name": "RSASSA-PKCS1-v1_5", "modulusLength": 2048, "publicExponent": [1, 0, 1], "hash": {"name": "SHA-256"},
    }
    public = serialization.load_der_public_key(bytes.fromhex(out["spki"]))
    public.verify(bytes.fromhex(out["pkcs1"]), b"message", padding.PKCS1v15(), hashes.SHA256())
    assert out["pkcs1"] == out["pkcs1Again"]  # PKCS #1 v1.5 signatures are deterministic
    assert out["jwk"] == ["RSA", "RS256", sorted(["kty", "n", "e", "d", "p", "q", "dp", "dq", "qi", "alg", "key_ops", "ext"])]
    public.verify(
        bytes.fromhex(out["pss"]), b"message", padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256()
    )
    assert out["pssOk"] is True
    assert out["oaep"] == "secret"
    assert out["oaepWrongLabel"][1] == "OperationError"
    private = serialization.load_der_private_key(bytes.fromhex(out["oaepPkcs8"]), None)
    assert private.key_size == 2048
    assert out["oaepUsages"] == [["decrypt", "unwrapKey"], ["encrypt", "wrapKey"]]
    assert out["unwrapped"] is True


def test_ecdh_and_x25519_agree(runtime) -> None:
    out = run(runtime, """
      const r = {};
      for (const curve of ["P-256", "P-384"]) {
        const a = await crypto.subtle.generateKey({name: "ECDH", namedCurve: curve}, true, ["deriveBits", "deriveKey"]);
        const b = await crypto.subtle.generateKey({name: "ECDH", namedCurve: curve}, true, ["deriveBits"]);
        const ab = await crypto.subtle.deriveBits({name: "ECDH", public: b.publicKey}, a.privateKey, null);
        const ba = await crypto.subtle.deriveBits({name: "ECDH", public: a.publicKey}, b.privateKey, 128);
        r[curve] = [ab.byteLength, hex(ab).slice(0, 32) === hex(ba), a.publicKey.usages];
        const key = await crypto.subtle.deriveKey({name: "ECDH", public: b.publicKey}, a.privateKey, {name: "AES-GCM", length: 128}, false, ["encrypt"]);
        r[curve + "key"] = key.algorithm;
      }
      const x = await crypto.subtle.generateKey("X25519", false, ["deriveBits"]);
      const y = await crypto.subtle.generateKey({name: "X25519"}, false, ["deriveBits"]);
      r.x25519 = hex(await crypto.subtle.deriveBits({name: "X25519", public: y.publicKey}, x.privateKey, 256)) ===
                 hex(await crypto.subtle.deriveBits({name: "X25519", public: x.publicKey}, y.privateKey, 256));
      r.notPublic = await caught(() => crypto.subtle.deriveBits({name: "X25519", public: y.privateKey}, x.privateKey, 256));
      return r;
    """)
    assert out["P-256"] == [32, True, []]
    assert out["P-384"] == [48, True, []]
    assert out["P-256key"] == {"name": "AES-GCM", "length": 128}
    assert out["x25519"] is True
    assert out["notPublic"][1] == "InvalidAccessError"


def test_random_uuid_timing_safe_equal_and_errors(runtime) -> None:
    out = run(runtime, """
      const r = {};
      r.uuid = crypto.randomUUID();
      r.random = crypto.getRandomValues(new Uint32Array(4)).length;
      r.quota = await caught(() => crypto.getRandomValues(new Uint8Array(65537)));
      r.float = await caught(() => crypto.getRandomValues(new Float64Array(2)));
      r.equal = [crypto.subtle.timingSafeEqual(utf8("abc"), utf8("abc")), crypto.subtle.timingSafeEqual(utf8("abc"), utf8("abd"))];
      r.lengths = await caught(() => crypto.subtle.timingSafeEqual(utf8("a"), utf8("ab")));
      r.unknownAlg = await caught(() => crypto.subtle.generateKey({name: "AES-XTS", length: 128}, true, ["encrypt"]));
      r.emptyUsages = await caught(() => crypto.subtle.generateKey({name: "AES-GCM", length: 128}, true, []));
      r.badUsage = await caught(() => crypto.subtle.generateKey({name: "AES-GCM", length: 128}, true, ["sign"]));
      const k = await crypto.subtle.generateKey({name: "AES-GCM", length: 128}, false, ["encrypt"]);
      r.notAllowed = await caught(() => crypto.subtle.decrypt({name: "AES-GCM", iv: new Uint8Array(12)}, k, new Uint8Array(32)));
      r.notExtractable = await caught(() => crypto.subtle.exportKey("raw", k));
      r.badSpki = await caught(() => crypto.subtle.importKey("spki", new Uint8Array([1, 2, 3]), {name: "ECDSA", namedCurve: "P-256"}, true, ["verify"]));
      r.construct = await caught(() => new CryptoKey());
      r.subtle = [Object.prototype.toString.call(crypto.subtle), crypto.subtle instanceof SubtleCrypto, crypto instanceof Crypto];
      return r;
    """)
    assert len(out["uuid"]) == 36 and out["uuid"][14] == "4" and out["uuid"][19] in "89ab"
    assert out["random"] == 4
    assert out["quota"][:2] == ["DOMException", "QuotaExceededError"]
    # workerd (wrangler dev): a DOMException, not a TypeError
    assert out["float"] == ["DOMException", "TypeMismatchError",
                            "ArrayBufferView argument to getRandomValues() must be an integer-typed view."]
    assert out["equal"] == [True, False]
    assert out["lengths"][0] == "TypeError"
    assert out["unknownAlg"][1] == "NotSupportedError"
    assert out["emptyUsages"][1] == "SyntaxError"
    assert out["badUsage"][1] == "SyntaxError"
    assert out["notAllowed"][1] == "InvalidAccessError"
    assert out["notExtractable"][1] == "InvalidAccessError"
    assert out["badSpki"][1] == "DataError"
    assert out["construct"][0] == "TypeError"
    assert out["subtle"] == ["[object SubtleCrypto]", True, True]
