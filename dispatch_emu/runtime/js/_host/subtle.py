"""``crypto.subtle`` on the host, over the ``cryptography`` package.

The prelude (``prelude/subtle.js``) checks the WebCrypto arguments (algorithm names,
usages, extractability) and keeps keys as ``CryptoKey`` objects; what it hands the host is
already normalized: an algorithm as a dict (``name`` upper-cased as the spec spells it,
``hash`` a name such as ``"SHA-256"``, buffers as ``bytes``) and a key as its material,
``{"type": "secret" | "private" | "public", "data": bytes}``: the raw bytes of a secret
key, PKCS #8 DER of a private key, SubjectPublicKeyInfo DER of a public key. This module
is stateless: each op parses the material it is given.

Errors are raised as :class:`HostError` with the ``DOMException`` name WebCrypto
specifies: ``OperationError`` (a failed decryption, bad derive length), ``DataError``
(key data that does not parse or does not fit the algorithm), ``NotSupportedError``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from dispatch_emu.runtime.js._host.errors import HostError

HASHES = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512", "MD5": "md5"}
#: HMAC's default key length is the hash's block size
BLOCK_BITS = {"SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024, "MD5": 512}
CURVES = {"P-256": ("SECP256R1", 32), "P-384": ("SECP384R1", 48), "P-521": ("SECP521R1", 66)}
JWK_HASH = {"SHA-1": "1", "SHA-256": "256", "SHA-384": "384", "SHA-512": "512"}


def _hazmat() -> Any:
    # imported on first use: most workers never touch crypto.subtle
    from cryptography.hazmat.primitives import hashes, keywrap, serialization
    from cryptography.hazmat.primitives import padding as sympadding
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils, x25519
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    return {
        "hashes": hashes, "serialization": serialization, "ec": ec, "ed25519": ed25519, "x25519": x25519,
        "padding": padding, "rsa": rsa, "utils": utils, "Cipher": Cipher, "algorithms": algorithms,
        "modes": modes, "HKDF": HKDF, "PBKDF2HMAC": PBKDF2HMAC, "keywrap": keywrap, "sympadding": sympadding,
    }


def _h() -> Any:
    global _HAZMAT
    if _HAZMAT is None:
        _HAZMAT = _hazmat()
    return _HAZMAT


_HAZMAT: Any = None


def _hash(name: str) -> Any:
    hashes = _h()["hashes"]
    table = {"SHA-1": hashes.SHA1, "SHA-256": hashes.SHA256, "SHA-384": hashes.SHA384, "SHA-512": hashes.SHA512}
    if name not in table:
        raise HostError("NotSupportedError", f"Unrecognized or unimplemented digest algorithm requested: {name}")
    return table[name]()


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise HostError("DataError", f"Invalid JWK: {what} is missing or not a string")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except Exception:
        raise HostError("DataError", f"Invalid JWK: {what} is not base64url") from None


def _int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _ibytes(value: int, size: int | None = None) -> bytes:
    return value.to_bytes(size or max(1, (value.bit_length() + 7) // 8), "big")


# -- loading key material

def _private(key: dict[str, Any]) -> Any:
    if key.get("type") != "private":
        raise HostError("InvalidAccessError", "This operation requires a private key.")
    return _h()["serialization"].load_der_private_key(bytes(key["data"]), password=None)


def _public(key: dict[str, Any]) -> Any:
    if key.get("type") != "public":
        raise HostError("InvalidAccessError", "This operation requires a public key.")
    return _h()["serialization"].load_der_public_key(bytes(key["data"]))


def _secret(key: dict[str, Any]) -> bytes:
    if key.get("type") != "secret":
        raise HostError("InvalidAccessError", "This operation requires a secret key.")
    return bytes(key["data"])


def _pkcs8(private: Any) -> bytes:
    s = _h()["serialization"]
    return private.private_bytes(s.Encoding.DER, s.PrivateFormat.PKCS8, s.NoEncryption())


def _spki(public: Any) -> bytes:
    s = _h()["serialization"]
    return public.public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)


def _describe(private: Any = None, public: Any = None) -> dict[str, Any]:
    """The algorithm facts a CryptoKey shows (``namedCurve``, ``modulusLength``...)."""
    h = _h()
    pub = public if public is not None else private.public_key()
    if isinstance(pub, h["rsa"].RSAPublicKey):
        numbers = pub.public_numbers()
        return {"modulusLength": pub.key_size, "publicExponent": _ibytes(numbers.e)}
    if isinstance(pub, h["ec"].EllipticCurvePublicKey):
        for curve, (name, _) in CURVES.items():
            if pub.curve.name.upper() == name:
                return {"namedCurve": curve}
        raise HostError("NotSupportedError", f"Unsupported elliptic curve {pub.curve.name}")
    return {}


def _pair(private: Any) -> dict[str, Any]:
    public = private.public_key()
    facts = _describe(public=public)
    return {
        "private": {"type": "private", "data": _pkcs8(private), **facts},
        "public": {"type": "public", "data": _spki(public), **facts},
    }


def _family(name: str) -> str:
    if name in ("RSASSA-PKCS1-V1_5", "RSA-PSS", "RSA-OAEP"):
        return "rsa"
    if name in ("ECDSA", "ECDH"):
        return "ec"
    if name in ("ED25519", "NODE-ED25519"):
        return "ed25519"
    if name == "X25519":
        return "x25519"
    return "secret"


def _check_kind(name: str, loaded: Any) -> None:
    h = _h()
    family = _family(name)
    kinds = {
        "rsa": (h["rsa"].RSAPrivateKey, h["rsa"].RSAPublicKey),
        "ec": (h["ec"].EllipticCurvePrivateKey, h["ec"].EllipticCurvePublicKey),
        "ed25519": (h["ed25519"].Ed25519PrivateKey, h["ed25519"].Ed25519PublicKey),
        "x25519": (h["x25519"].X25519PrivateKey, h["x25519"].X25519PublicKey),
    }[family]
    if not isinstance(loaded, kinds):
        raise HostError("DataError", f"The key data is not a {name} key.")


# -- digest, HMAC

def digest(name: str, data: bytes) -> bytes:
    if name not in HASHES:
        raise HostError("NotSupportedError", f"Unrecognized or unimplemented digest algorithm requested: {name}")
    return hashlib.new(HASHES[name], bytes(data)).digest()


def _hmac(alg: dict[str, Any], key: dict[str, Any], data: bytes) -> bytes:
    return hmac.new(_secret(key), bytes(data), HASHES[alg["hash"]]).digest()


# -- sign / verify

def sign(alg: dict[str, Any], key: dict[str, Any], data: bytes) -> bytes:
    h = _h()
    name = alg["name"]
    data = bytes(data)
    if name == "HMAC":
        return _hmac(alg, key, data)
    private = _private(key)
    _check_kind(name, private)
    if name == "RSASSA-PKCS1-V1_5":
        return private.sign(data, h["padding"].PKCS1v15(), _hash(alg["hash"]))
    if name == "RSA-PSS":
        pss = h["padding"].PSS(mgf=h["padding"].MGF1(_hash(alg["hash"])), salt_length=int(alg.get("saltLength", 0)))
        return private.sign(data, pss, _hash(alg["hash"]))
    if name == "ECDSA":
        der = private.sign(data, h["ec"].ECDSA(_hash(alg["hash"])))
        r, s = h["utils"].decode_dss_signature(der)
        size = CURVES[_describe(private)["namedCurve"]][1]
        return _ibytes(r, size) + _ibytes(s, size)
    if name in ("ED25519", "NODE-ED25519"):
        return private.sign(data)
    raise HostError("NotSupportedError", f"{name} cannot sign")


def verify(alg: dict[str, Any], key: dict[str, Any], signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    h = _h()
    name = alg["name"]
    signature, data = bytes(signature), bytes(data)
    if name == "HMAC":
        return hmac.compare_digest(_hmac(alg, key, data), signature)
    public = _public(key)
    _check_kind(name, public)
    try:
        if name == "RSASSA-PKCS1-V1_5":
            public.verify(signature, data, h["padding"].PKCS1v15(), _hash(alg["hash"]))
        elif name == "RSA-PSS":
            pss = h["padding"].PSS(mgf=h["padding"].MGF1(_hash(alg["hash"])), salt_length=int(alg.get("saltLength", 0)))
            public.verify(signature, data, pss, _hash(alg["hash"]))
        elif name == "ECDSA":
            size = CURVES[_describe(public=public)["namedCurve"]][1]
            if len(signature) != 2 * size:
                return False
            der = h["utils"].encode_dss_signature(_int(signature[:size]), _int(signature[size:]))
            public.verify(der, data, h["ec"].ECDSA(_hash(alg["hash"])))
        elif name in ("ED25519", "NODE-ED25519"):
            public.verify(signature, data)
        else:
            raise HostError("NotSupportedError", f"{name} cannot verify")
    except InvalidSignature:
        return False
    return True


# -- encrypt / decrypt

def _aes(key: dict[str, Any]) -> Any:
    return _h()["algorithms"].AES(_secret(key))


def _ctr(alg: dict[str, Any], key: dict[str, Any], data: bytes) -> bytes:
    h = _h()
    counter = bytes(alg.get("counter") or b"")
    length = int(alg.get("length", 0))
    if len(counter) != 16:
        raise HostError("OperationError", "AES-CTR counter must be 16 bytes.")
    if not 1 <= length <= 128:
        raise HostError("OperationError", "AES-CTR counter length must be between 1 and 128 bits.")
    # the low `length` bits count and wrap; the high bits stay (a full-width counter
    # would carry into them)
    value = _int(counter)
    mask = (1 << length) - 1
    out = bytearray()
    block = 0
    total = (len(data) + 15) // 16
    while block < total:
        low = value & mask
        run = min(total - block, (1 << length) - low)
        part = data[block * 16 : (block + run) * 16]
        enc = h["Cipher"](_aes(key), h["modes"].CTR(_ibytes(value, 16))).encryptor()
        out += enc.update(part) + enc.finalize()
        block += run
        value = (value & ~mask) | ((low + run) & mask)
    return bytes(out)


def encrypt(alg: dict[str, Any], key: dict[str, Any], data: bytes) -> bytes:
    h = _h()
    name = alg["name"]
    data = bytes(data)
    if name == "AES-GCM":
        iv = bytes(alg.get("iv") or b"")
        tag_bits = int(alg.get("tagLength", 128))
        if tag_bits not in (32, 64, 96, 104, 112, 120, 128):
            raise HostError("OperationError", f"Invalid AES-GCM tag length {tag_bits}.")
        if not iv:
            raise HostError("OperationError", "AES-GCM IV must not be empty.")
        enc = h["Cipher"](_aes(key), h["modes"].GCM(iv)).encryptor()
        if alg.get("additionalData") is not None:
            enc.authenticate_additional_data(bytes(alg["additionalData"]))
        body = enc.update(data) + enc.finalize()
        return body + enc.tag[: tag_bits // 8]
    if name == "AES-CBC":
        iv = _iv16(alg)
        padder = h["sympadding"].PKCS7(128).padder()
        padded = padder.update(data) + padder.finalize()
        enc = h["Cipher"](_aes(key), h["modes"].CBC(iv)).encryptor()
        return enc.update(padded) + enc.finalize()
    if name == "AES-CTR":
        return _ctr(alg, key, data)
    if name == "RSA-OAEP":
        public = _public(key)
        _check_kind(name, public)
        try:
            return public.encrypt(data, _oaep(alg))
        except ValueError as error:
            raise HostError("OperationError", str(error)) from None
    raise HostError("NotSupportedError", f"{name} cannot encrypt")


def _iv16(alg: dict[str, Any]) -> bytes:
    iv = bytes(alg.get("iv") or b"")
    if len(iv) != 16:
        raise HostError("OperationError", f"AES-CBC IV must be 16 bytes (got {len(iv)}).")
    return iv


def _oaep(alg: dict[str, Any]) -> Any:
    p = _h()["padding"]
    label = alg.get("label")
    return p.OAEP(mgf=p.MGF1(_hash(alg["hash"])), algorithm=_hash(alg["hash"]), label=bytes(label) if label else None)


def decrypt(alg: dict[str, Any], key: dict[str, Any], data: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag

    h = _h()
    name = alg["name"]
    data = bytes(data)
    if name == "AES-GCM":
        iv = bytes(alg.get("iv") or b"")
        tag_bytes = int(alg.get("tagLength", 128)) // 8
        if len(data) < tag_bytes or not iv:
            raise HostError("OperationError", "The ciphertext is too short or the IV is empty.")
        body, tag = data[: len(data) - tag_bytes], data[len(data) - tag_bytes :]
        try:
            dec = h["Cipher"](_aes(key), h["modes"].GCM(iv, tag, min_tag_length=max(4, tag_bytes))).decryptor()
            if alg.get("additionalData") is not None:
                dec.authenticate_additional_data(bytes(alg["additionalData"]))
            return dec.update(body) + dec.finalize()
        except (InvalidTag, ValueError):
            raise HostError("OperationError", "Decryption failed. This could be due to a ciphertext authentication failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason.") from None
    if name == "AES-CBC":
        iv = _iv16(alg)
        if not data or len(data) % 16:
            raise HostError("OperationError", "AES-CBC ciphertext must be a non-empty multiple of 16 bytes.")
        dec = h["Cipher"](_aes(key), h["modes"].CBC(iv)).decryptor()
        padded = dec.update(data) + dec.finalize()
        try:
            unpadder = h["sympadding"].PKCS7(128).unpadder()
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise HostError("OperationError", "Decryption failed: bad padding.") from None
    if name == "AES-CTR":
        return _ctr(alg, key, data)
    if name == "RSA-OAEP":
        private = _private(key)
        _check_kind(name, private)
        try:
            return private.decrypt(data, _oaep(alg))
        except ValueError:
            raise HostError("OperationError", "Decryption failed.") from None
    raise HostError("NotSupportedError", f"{name} cannot decrypt")


def wrap(alg: dict[str, Any], key: dict[str, Any], data: bytes) -> bytes:
    if alg["name"] == "AES-KW":
        data = bytes(data)
        if len(data) % 8 or len(data) < 16:
            raise HostError("OperationError", "AES-KW can only wrap keys whose length is a multiple of 8 bytes, at least 16.")
        return _h()["keywrap"].aes_key_wrap(_secret(key), data)
    return encrypt(alg, key, data)


def unwrap(alg: dict[str, Any], key: dict[str, Any], data: bytes) -> bytes:
    if alg["name"] == "AES-KW":
        try:
            return _h()["keywrap"].aes_key_unwrap(_secret(key), bytes(data))
        except Exception:
            raise HostError("OperationError", "AES-KW unwrap failed: the integrity check did not pass.") from None
    return decrypt(alg, key, data)


# -- deriveBits

def derive_bits(alg: dict[str, Any], key: dict[str, Any], length: int | None) -> bytes:
    h = _h()
    name = alg["name"]
    if name in ("PBKDF2", "HKDF"):
        if length is None or length % 8 or length <= 0:
            raise HostError("OperationError", f"{name} requires a length that is a non-zero multiple of 8 bits.")
        secret = _secret(key)
        if name == "PBKDF2":
            iterations = int(alg.get("iterations", 0))
            if iterations <= 0:
                raise HostError("OperationError", "PBKDF2 requires a positive number of iterations.")
            kdf = h["PBKDF2HMAC"](algorithm=_hash(alg["hash"]), length=length // 8, salt=bytes(alg.get("salt") or b""), iterations=iterations)
        else:
            kdf = h["HKDF"](algorithm=_hash(alg["hash"]), length=length // 8, salt=bytes(alg.get("salt") or b""), info=bytes(alg.get("info") or b""))
        try:
            return kdf.derive(secret)
        except ValueError as error:
            raise HostError("OperationError", str(error)) from None
    if name in ("ECDH", "X25519"):
        private = _private(key)
        public = _public(alg.get("public") or {})
        _check_kind(name, private)
        _check_kind(name, public)
        try:
            shared = private.exchange(h["ec"].ECDH(), public) if name == "ECDH" else private.exchange(public)
        except ValueError as error:
            raise HostError("InvalidAccessError", f"{name}: {error}") from None
        if length is None:
            return shared
        if length > len(shared) * 8:
            raise HostError("OperationError", f"Derived key length ({length} bits) is too long (should be at most {len(shared) * 8} bits).")
        out = bytearray(shared[: (length + 7) // 8])
        if length % 8:
            out[-1] &= (0xFF << (8 - length % 8)) & 0xFF
        return bytes(out)
    raise HostError("NotSupportedError", f"{name} cannot derive bits")


# -- generateKey

def generate(alg: dict[str, Any]) -> dict[str, Any]:
    import os

    h = _h()
    name = alg["name"]
    if name == "HMAC":
        length = int(alg.get("length") or BLOCK_BITS[alg["hash"]])
        return {"secret": {"type": "secret", "data": _random_bits(length), "length": length}}
    if name.startswith("AES-"):
        length = int(alg.get("length", 0))
        if length not in (128, 192, 256):
            raise HostError("OperationError", "AES key length must be 128, 192 or 256 bits.")
        return {"secret": {"type": "secret", "data": os.urandom(length // 8), "length": length}}
    family = _family(name)
    if family == "rsa":
        exponent = _int(bytes(alg.get("publicExponent") or b"\x01\x00\x01"))
        size = int(alg.get("modulusLength", 0))
        if exponent not in (3, 65537) or size < 256 or size > 16384 or size % 8:
            raise HostError("OperationError", "Unsupported RSA modulus length or public exponent.")
        return _pair(h["rsa"].generate_private_key(public_exponent=exponent, key_size=size))
    if family == "ec":
        return _pair(h["ec"].generate_private_key(_curve(alg.get("namedCurve"))))
    if family == "ed25519":
        return _pair(h["ed25519"].Ed25519PrivateKey.generate())
    if family == "x25519":
        return _pair(h["x25519"].X25519PrivateKey.generate())
    raise HostError("NotSupportedError", f"Unrecognized key generation algorithm \"{name}\" requested.")


def _random_bits(length: int) -> bytes:
    import os

    data = bytearray(os.urandom((length + 7) // 8))
    if length % 8:
        data[-1] &= (0xFF << (8 - length % 8)) & 0xFF
    return bytes(data)


def _curve(name: Any) -> Any:
    if name not in CURVES:
        raise HostError("NotSupportedError", f"Unrecognized or unimplemented EC curve \"{name}\" requested.")
    return getattr(_h()["ec"], CURVES[name][0])()


# -- importKey / exportKey

def import_key(fmt: str, data: Any, alg: dict[str, Any]) -> dict[str, Any]:
    name = alg["name"]
    family = _family(name)
    if fmt == "jwk":
        return _import_jwk(data, alg, family)
    data = bytes(data)
    if family == "secret":
        if fmt != "raw":
            raise HostError("NotSupportedError", f"{name} keys can only be imported in raw or jwk format.")
        if name.startswith("AES-") and len(data) not in (16, 24, 32):
            raise HostError("DataError", f"Imported AES key length must be 128, 192, or 256 bits but provided {len(data) * 8}.")
        if name == "HMAC" and not data:
            raise HostError("DataError", "HMAC key data must not be empty.")
        return {"type": "secret", "data": data, "length": len(data) * 8}
    h = _h()
    s = h["serialization"]
    try:
        if fmt == "spki":
            loaded = s.load_der_public_key(data)
            _check_kind(name, loaded)
            return {"type": "public", "data": _spki(loaded), **_describe(public=loaded)}
        if fmt == "pkcs8":
            loaded = s.load_der_private_key(data, password=None)
            _check_kind(name, loaded)
            return {"type": "private", "data": _pkcs8(loaded), **_describe(private=loaded)}
        if fmt == "raw":
            if family == "ec":
                loaded = h["ec"].EllipticCurvePublicKey.from_encoded_point(_curve(alg.get("namedCurve")), data)
            elif family == "ed25519":
                loaded = h["ed25519"].Ed25519PublicKey.from_public_bytes(data)
            elif family == "x25519":
                loaded = h["x25519"].X25519PublicKey.from_public_bytes(data)
            else:
                raise HostError("NotSupportedError", f"{name} keys cannot be imported in raw format.")
            return {"type": "public", "data": _spki(loaded), **_describe(public=loaded)}
    except HostError:
        raise
    except Exception as error:
        raise HostError("DataError", f"Invalid {fmt} key data: {error}") from None
    raise HostError("NotSupportedError", f"Unrecognized key import format \"{fmt}\".")


def _import_jwk(jwk: Any, alg: dict[str, Any], family: str) -> dict[str, Any]:
    if not isinstance(jwk, dict):
        raise HostError("DataError", "A JWK must be an object.")
    h = _h()
    kty = jwk.get("kty")
    try:
        if family == "secret":
            if kty != "oct":
                raise HostError("DataError", "Symmetric JWK must have kty \"oct\".")
            return import_key("raw", _unb64u(jwk.get("k"), "k"), alg)
        if family == "rsa":
            if kty != "RSA":
                raise HostError("DataError", "RSA JWK must have kty \"RSA\".")
            n, e = _int(_unb64u(jwk.get("n"), "n")), _int(_unb64u(jwk.get("e"), "e"))
            public_numbers = h["rsa"].RSAPublicNumbers(e, n)
            if "d" not in jwk:
                public = public_numbers.public_key()
                return {"type": "public", "data": _spki(public), **_describe(public=public)}
            fields = {k: _int(_unb64u(jwk.get(k), k)) for k in ("d", "p", "q", "dp", "dq", "qi")}
            private = h["rsa"].RSAPrivateNumbers(
                fields["p"], fields["q"], fields["d"], fields["dp"], fields["dq"], fields["qi"], public_numbers
            ).private_key()
            return {"type": "private", "data": _pkcs8(private), **_describe(private=private)}
        if family == "ec":
            if kty != "EC":
                raise HostError("DataError", "EC JWK must have kty \"EC\".")
            crv = jwk.get("crv")
            if crv != alg.get("namedCurve"):
                raise HostError("DataError", f"The JWK's crv ({crv}) does not match the namedCurve requested.")
            curve = _curve(crv)
            pub = h["ec"].EllipticCurvePublicNumbers(_int(_unb64u(jwk.get("x"), "x")), _int(_unb64u(jwk.get("y"), "y")), curve)
            if "d" not in jwk:
                public = pub.public_key()
                return {"type": "public", "data": _spki(public), **_describe(public=public)}
            private = h["ec"].EllipticCurvePrivateNumbers(_int(_unb64u(jwk.get("d"), "d")), pub).private_key()
            return {"type": "private", "data": _pkcs8(private), **_describe(private=private)}
        module = h["ed25519"] if family == "ed25519" else h["x25519"]
        cls_prefix = "Ed25519" if family == "ed25519" else "X25519"
        if kty != "OKP" or jwk.get("crv") != cls_prefix:
            raise HostError("DataError", f"{cls_prefix} JWK must have kty \"OKP\" and crv \"{cls_prefix}\".")
        if "d" in jwk:
            private = getattr(module, f"{cls_prefix}PrivateKey").from_private_bytes(_unb64u(jwk.get("d"), "d"))
            return {"type": "private", "data": _pkcs8(private)}
        public = getattr(module, f"{cls_prefix}PublicKey").from_public_bytes(_unb64u(jwk.get("x"), "x"))
        return {"type": "public", "data": _spki(public)}
    except HostError:
        raise
    except Exception as error:
        raise HostError("DataError", f"Invalid JWK: {error}") from None


def export_key(fmt: str, key: dict[str, Any], alg: dict[str, Any]) -> Any:
    name = alg["name"]
    family = _family(name)
    kind = key.get("type")
    data = bytes(key["data"])
    if fmt == "jwk":
        return _export_jwk(key, alg, family)
    if kind == "secret":
        if fmt != "raw":
            raise HostError("InvalidAccessError", f"{name} keys can only be exported in raw or jwk format.")
        return data
    if fmt == "spki" and kind == "public":
        return data
    if fmt == "pkcs8" and kind == "private":
        return data
    if fmt == "raw" and kind == "public":
        public = _public(key)
        s = _h()["serialization"]
        if family == "ec":
            return public.public_bytes(s.Encoding.X962, s.PublicFormat.UncompressedPoint)
        if family in ("ed25519", "x25519"):
            return public.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
    raise HostError("InvalidAccessError", f"A {kind} {name} key cannot be exported in {fmt} format.")


def _export_jwk(key: dict[str, Any], alg: dict[str, Any], family: str) -> dict[str, Any]:
    name = alg["name"]
    kind = key.get("type")
    if family == "secret":
        jwk: dict[str, Any] = {"kty": "oct", "k": _b64u(bytes(key["data"]))}
        bits = len(bytes(key["data"])) * 8
        if name == "HMAC":
            jwk["alg"] = "HS" + JWK_HASH[alg["hash"]]
        elif name.startswith("AES-"):
            jwk["alg"] = f"A{bits}" + {"AES-GCM": "GCM", "AES-CBC": "CBC", "AES-CTR": "CTR", "AES-KW": "KW"}[name]
        else:
            raise HostError("NotSupportedError", f"{name} keys cannot be exported.")
        return jwk
    loaded = _private(key) if kind == "private" else _public(key)
    h = _h()
    if family == "rsa":
        public = loaded.public_key() if kind == "private" else loaded
        pn = public.public_numbers()
        jwk = {"kty": "RSA", "n": _b64u(_ibytes(pn.n)), "e": _b64u(_ibytes(pn.e))}
        suffix = JWK_HASH[alg["hash"]]
        jwk["alg"] = {"RSASSA-PKCS1-V1_5": "RS" + suffix, "RSA-PSS": "PS" + suffix}.get(
            name, "RSA-OAEP" if suffix == "1" else "RSA-OAEP-" + suffix
        )
        if kind == "private":
            n = loaded.private_numbers()
            jwk.update(
                d=_b64u(_ibytes(n.d)), p=_b64u(_ibytes(n.p)), q=_b64u(_ibytes(n.q)),
                dp=_b64u(_ibytes(n.dmp1)), dq=_b64u(_ibytes(n.dmq1)), qi=_b64u(_ibytes(n.iqmp)),
            )
        return jwk
    if family == "ec":
        public = loaded.public_key() if kind == "private" else loaded
        crv = _describe(public=public)["namedCurve"]
        size = CURVES[crv][1]
        pn = public.public_numbers()
        jwk = {"kty": "EC", "crv": crv, "x": _b64u(_ibytes(pn.x, size)), "y": _b64u(_ibytes(pn.y, size))}
        if kind == "private":
            jwk["d"] = _b64u(_ibytes(loaded.private_numbers().private_value, size))
        return jwk
    s = h["serialization"]
    public = loaded.public_key() if kind == "private" else loaded
    jwk = {"kty": "OKP", "crv": "Ed25519" if family == "ed25519" else "X25519",
           "x": _b64u(public.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw))}
    if kind == "private":
        jwk["d"] = _b64u(loaded.private_bytes(s.Encoding.Raw, s.PrivateFormat.Raw, s.NoEncryption()))
    return jwk


OPS: dict[str, Callable[..., Any]] = {
    "digest": digest,
    "sign": sign,
    "verify": verify,
    "encrypt": encrypt,
    "decrypt": decrypt,
    "wrap": wrap,
    "unwrap": unwrap,
    "deriveBits": derive_bits,
    "generateKey": generate,
    "importKey": import_key,
    "exportKey": export_key,
}


def crypto_op(op: str, *args: Any) -> Any:
    """``host("crypto", op, ...args)``: one SubtleCrypto operation on normalized arguments
    (byte arrays arrive as ``bytes``, objects as dicts: see ``_hostwire``)."""
    function = OPS.get(op)
    if function is None:
        raise HostError("NotSupportedError", f"crypto.subtle.{op} is not available in dispatch_emu")
    try:
        return function(*args)
    except HostError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise HostError("OperationError", f"{op} failed: {error}") from None


__all__ = ["OPS", "crypto_op", "derive_bits", "digest", "export_key", "generate", "import_key"]
