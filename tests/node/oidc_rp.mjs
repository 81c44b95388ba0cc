// oidc_rp.mjs — a strict OpenID Connect relying party (openid-client, with
// jose for the access token) against a running bulwark: discovery, the code
// flow with PKCE, state and nonce, id_token validation, userinfo, refresh,
// introspection and revocation. Run by tests/integration/test_oauth_node.py.
//
// Environment: ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SCOPE, and
// NODE_EXTRA_CA_CERTS (the server's self-signed certificate).
// Protocol: prints {"authorize": URL} on a line, reads the callback URL the
// browser was sent to from stdin, then prints one JSON line of results and
// exits 0; any failed check exits non-zero with the error on stderr.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));
const client = await import(require.resolve('openid-client'));
const jose = await import(require.resolve('jose'));

const { ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SCOPE } = process.env;
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const config = await client.discovery(new URL(ISSUER), CLIENT_ID, CLIENT_SECRET,
  client.ClientSecretBasic(CLIENT_SECRET));
const meta = config.serverMetadata();
assert.equal(meta.issuer, ISSUER);
assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);

const verifier = client.randomPKCECodeVerifier();
const challenge = await client.calculatePKCECodeChallenge(verifier);
const state = client.randomState();
const nonce = client.randomNonce();
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: REDIRECT_URI, scope: SCOPE, code_challenge: challenge,
  code_challenge_method: 'S256', state, nonce,
});
console.log(JSON.stringify({ authorize: url.href }));
const callback = (await lines.next()).value;

// the library checks state, iss (RFC 9207), the id_token (signature from the
// JWKS, iss, aud, exp, iat, nonce, at_hash) and PKCE through the server
const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
  pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce,
  idTokenExpected: true,
});
const claims = tokens.claims();
assert.equal(claims.nonce, nonce);
const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);

// the access token as a resource server verifies it: jose with the remote JWKS
const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
const at = await jose.jwtVerify(tokens.access_token, jwks, {
  issuer: ISSUER, audience: ISSUER, typ: 'at+jwt', algorithms: ['EdDSA'],
  requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
});
const idt = await jose.jwtVerify(tokens.id_token, jwks, {
  issuer: ISSUER, audience: CLIENT_ID, algorithms: ['RS256'],
});
// a token signed by anyone else does not verify against the server's keys
const { privateKey } = await jose.generateKeyPair('EdDSA');
const forged = await new jose.SignJWT({ ...at.payload })
  .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: at.protectedHeader.kid })
  .sign(privateKey);
await assert.rejects(jose.jwtVerify(forged, jwks, { issuer: ISSUER, audience: ISSUER }));

const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
const introspected = await client.tokenIntrospection(config, refreshed.access_token);
await client.tokenRevocation(config, refreshed.refresh_token);
const after = await client.tokenIntrospection(config, refreshed.access_token);

console.log(JSON.stringify({
  sub: claims.sub, email: claims.email, userinfo: info,
  access: { header: at.protectedHeader, client_id: at.payload.client_id, scope: at.payload.scope },
  id_header: idt.protectedHeader,
  refreshed: Boolean(refreshed.access_token),
  introspected_active: introspected.active, after_revoke_active: after.active,
  forged_token: forged,
}));
