#!/usr/bin/python3
"""unit.jwt_interop: bulwark's JWT module against PyJWT (over the cryptography
package), an independent implementation, in both directions.

1. PyJWT signs access tokens with fresh EdDSA, ES256, RS256, PS256 and HS256
   keys; `jwt_interop verify` must accept each (reason "ok") and refuse the
   forgeries and mistakes made beside them with the expected reason.
2. `jwt_interop sign` signs one token per algorithm with keys it makes;
   PyJWT must verify each with the public JWK bulwark exported (HS256: the
   shared key), with the issuer and audience checked, and see typ at+jwt.

usage: interop.py JWT_INTEROP_BINARY
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

ISS = "https://issuer.example"
AUD = "https://api.example"


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    binary = sys.argv[1]
    now = int(time.time())
    failures = []

    # --- keys made by the cryptography package ---------------------------------
    ed = ed25519.Ed25519PrivateKey.generate()
    p256 = ec.generate_private_key(ec.SECP256R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    hs = os.urandom(32)
    priv = {"EdDSA": ed, "ES256": p256, "RS256": rsa_key, "PS256": rsa_key, "HS256": hs}

    def jwk(alg):
        if alg == "EdDSA":
            d = json.loads(OKPAlgorithm.to_jwk(ed.public_key()))
        elif alg == "ES256":
            # RFC 7518 6.2.1.2: x and y are the full 32 bytes. PyJWT 2.6 drops
            # leading zero bytes (one key in 128), which bulwark rightly refuses,
            # so the coordinates are encoded here from the same key.
            n = p256.public_key().public_numbers()
            d = {"kty": "EC", "crv": "P-256", "x": b64(n.x.to_bytes(32, "big")),
                 "y": b64(n.y.to_bytes(32, "big"))}
        elif alg == "HS256":
            d = {"kty": "oct", "k": b64(hs)}
        else:
            d = json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key()))
        d.update(kid="p-" + alg, alg=alg, use="sig")
        return d

    algs = ["EdDSA", "ES256", "RS256", "PS256", "HS256"]
    claims = {"iss": ISS, "aud": AUD, "sub": "usr_1", "iat": now, "nbf": now, "exp": now + 300,
              "jti": b64(os.urandom(16)), "scope": "openid read", "aud_extra": [1, 2]}

    def pyjwt(alg, c=claims, key=None, headers=None):
        h = {"kid": "p-" + alg, "typ": "at+jwt"}
        h.update(headers or {})
        return jwt.encode(c, priv[alg] if key is None else key, algorithm=alg, headers=h)

    cases = []  # (what, token, expected reason)
    for alg in algs:
        cases.append(("PyJWT %s" % alg, pyjwt(alg), "ok"))
    cases.append(("PyJWT RS256, audience list", pyjwt("RS256", dict(claims, aud=["x", AUD])), "ok"))
    cases.append(("another RSA key, same kid", pyjwt("RS256", key=other_rsa), "bad_signature"))
    cases.append(("expired", pyjwt("EdDSA", dict(claims, exp=now - 120)), "expired"))
    cases.append(("not yet valid", pyjwt("ES256", dict(claims, nbf=now + 600)), "not_yet_valid"))
    cases.append(("other audience", pyjwt("PS256", dict(claims, aud="https://other.example")), "bad_claims"))
    cases.append(("other issuer", pyjwt("HS256", dict(claims, iss="https://evil.example")), "bad_claims"))
    cases.append(("typ JWT", pyjwt("EdDSA", headers={"typ": "JWT"}), "bad_header"))
    cases.append(("unknown kid", pyjwt("EdDSA", headers={"kid": "nope"}), "unknown_key"))
    none = jwt.encode(claims, None, algorithm="none", headers={"kid": "p-HS256", "typ": "at+jwt"})
    cases.append(("alg none", none, "malformed"))
    # alg confusion: an HS256 MAC keyed with the RSA public key's JWK text, naming its kid
    hdr = b64(json.dumps({"alg": "HS256", "kid": "p-RS256", "typ": "at+jwt"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(json.dumps(jwk("RS256")).encode(), (hdr + "." + body).encode(), hashlib.sha256).digest()
    cases.append(("RSA public key as HMAC secret", hdr + "." + body + "." + b64(mac), "alg_mismatch"))
    # an ES256 signature in the DER form some libraries emit, not r || s
    es = pyjwt("ES256")
    si = es.rsplit(".", 1)[0]
    from cryptography.hazmat.primitives import hashes
    der = p256.sign(si.encode(), ec.ECDSA(hashes.SHA256()))
    cases.append(("ES256 signature as DER", si + "." + b64(der), "bad_signature"))

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "jwks.json")
        with open(path, "w") as f:
            json.dump({"keys": [jwk(a) for a in algs]}, f)
        r = subprocess.run([binary, "verify", path, str(now)], input="".join(t + "\n" for _, t, _ in cases),
                           capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        print("jwt_interop verify failed: rc=%d %s" % (r.returncode, r.stderr), file=sys.stderr)
        return 1
    got = r.stdout.split("\n")[:-1]
    if len(got) != len(cases):
        print("expected %d answers, got %d" % (len(cases), len(got)), file=sys.stderr)
        return 1
    for (what, _, want), g in zip(cases, got):
        if g != want:
            failures.append("bulwark on %s: %s, expected %s" % (what, g, want))

    # --- the other way: bulwark signs, PyJWT verifies ----------------------------------
    r = subprocess.run([binary, "sign", b64(hs), str(now)], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        print("jwt_interop sign failed: rc=%d %s" % (r.returncode, r.stderr), file=sys.stderr)
        return 1
    out = json.loads(r.stdout)
    pubs = {k["alg"]: k for k in out["keys"]}
    if set(pubs) != {"EdDSA", "ES256", "RS256", "PS256"}:
        failures.append("bulwark's JWKS has %s" % sorted(pubs))
    for alg in algs:
        tok = out["tokens"][alg]
        head = jwt.get_unverified_header(tok)
        if head.get("typ") != "at+jwt" or head.get("kid") != "c-" + alg or head.get("alg") != alg:
            failures.append("bulwark's %s header: %r" % (alg, head))
        key = hs if alg == "HS256" else jwt.PyJWK(pubs[alg]).key
        try:
            c = jwt.decode(tok, key, algorithms=[alg], audience=AUD, issuer=ISS)
            if c.get("sub") != "usr_1" or c.get("exp") != now + 300:
                failures.append("PyJWT read other claims from bulwark's %s token: %r" % (alg, c))
        except jwt.PyJWTError as e:
            failures.append("PyJWT refused bulwark's %s token: %s" % (alg, e))
        # and a flipped bit in bulwark's signature is refused by PyJWT too
        h, p, s = tok.split(".")
        bad = h + "." + p + "." + ("B" if s[0] == "A" else "A") + s[1:]
        try:
            jwt.decode(bad, key, algorithms=[alg], audience=AUD, issuer=ISS)
            failures.append("PyJWT accepted a tampered %s token" % alg)
        except jwt.InvalidSignatureError:
            pass

    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    print("jwt interop: %d PyJWT tokens checked by bulwark, %d bulwark tokens checked by PyJWT, %d failures"
          % (len(cases), len(algs), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
