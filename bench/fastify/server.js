'use strict'
// Fastify peer for bench/run.sh: GET /v1/ping -> {"pong":true}, and GET /v1/whoami
// for a Bearer EdDSA access token of bulwark's (verified by fast-jwt with its
// verification cache on: signature, typ at+jwt, iss, aud, exp/nbf/iat, the claims
// bulwark requires; then the scope whoami), with the same response headers bulwark
// sends on those endpoints. The security headers come
// from @fastify/helmet, per-IP rate limiting from @fastify/rate-limit (limit set so
// high that the benchmark is never throttled, but every request is still counted),
// the request id from genReqId, and the rest from one global onSend hook — the way
// a Fastify deployment that wanted bulwark's headers would be written.
//
// Environment (all set by bench/run.sh):
//   PORT      TCP port on 127.0.0.1 (required)
//   TLS_CERT  PEM certificate file; with TLS_KEY, serve HTTPS (TLS 1.3 only) and
//   TLS_KEY   send Strict-Transport-Security; without them, plain HTTP
//   WORKERS   number of processes: 1 = this process serves; N > 1 = node:cluster
//             primary forking N workers that share the listening socket
//   RL_MAX, RL_WINDOW_MS  rate limit (requests per window per client address)
//   PERMISSIONS_POLICY    the Permissions-Policy value (run.sh passes bulwark's)
//   JWKS_FILE             bulwark's /.well-known/jwks.json; with JWT_ISSUER and
//   JWT_ISSUER            JWT_AUDIENCE, serve GET /v1/whoami for access tokens
//   JWT_AUDIENCE          signed by its EdDSA keys (without them, no such route)
//   JWT_CACHE             fast-jwt's verified-token cache size (default 1000, its
//                         size for cache: true; 0 turns it off)
// Prints one line "ready" on stdout once every worker listens.

const cluster = require('node:cluster')
const crypto = require('node:crypto')
const fs = require('node:fs')

function envInt (name, dflt) {
  const s = process.env[name]
  if (s === undefined || s === '') {
    if (dflt === undefined) throw new Error(`${name} is required`)
    return dflt
  }
  if (!/^[0-9]{1,15}$/.test(s)) throw new Error(`${name} must be a decimal integer`)
  return Number(s)
}

const port = envInt('PORT')
const workers = envInt('WORKERS', 1)
const rlMax = envInt('RL_MAX', 100000000)
const rlWindowMs = envInt('RL_WINDOW_MS', 1000)
const permissionsPolicy = process.env.PERMISSIONS_POLICY ||
  'camera=(), microphone=(), geolocation=(), payment=(), usb=()'
const certFile = process.env.TLS_CERT || ''
const keyFile = process.env.TLS_KEY || ''
const tls = certFile !== '' && keyFile !== ''
const jwksFile = process.env.JWKS_FILE || ''
const jwtIssuer = process.env.JWT_ISSUER || ''
const jwtAudience = process.env.JWT_AUDIENCE || ''
const jwtCache = envInt('JWT_CACHE', 1000)
if (workers < 1 || workers > 64) throw new Error('WORKERS must be 1..64')
if ((certFile === '') !== (keyFile === '')) throw new Error('set both TLS_CERT and TLS_KEY, or neither')
if ((jwksFile === '') !== (jwtIssuer === '') || (jwksFile === '') !== (jwtAudience === '')) {
  throw new Error('set all of JWKS_FILE, JWT_ISSUER and JWT_AUDIENCE, or none')
}

// One fast-jwt verifier per EdDSA key of the JWKS (the JWK converted to PEM by
// node's crypto), chosen by the token's kid as a JWKS-based relying party does.
// Each checks what bulwark checks before it looks at the scope: the EdDSA
// signature (no other algorithm), typ at+jwt, iss, aud, exp (required), nbf and
// iat, and the presence of jti, client_id and sub; fast-jwt's cache remembers a
// verified token (keyed by a hash of the whole token, never past its exp).
function accessVerifiers () {
  const { createVerifier } = require('fast-jwt')
  const jwks = JSON.parse(fs.readFileSync(jwksFile, 'utf8'))
  const byKid = new Map()
  for (const jwk of jwks.keys || []) {
    if (jwk.alg !== 'EdDSA' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') continue
    const pem = crypto.createPublicKey({ key: jwk, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
    byKid.set(jwk.kid, createVerifier({
      key: pem,
      algorithms: ['EdDSA'],
      checkTyp: 'at+jwt',
      allowedIss: jwtIssuer,
      allowedAud: jwtAudience,
      requiredClaims: ['exp', 'jti', 'client_id', 'sub'],
      clockTolerance: 30000, // bulwark's leeway, 30 s
      cache: jwtCache > 0 ? jwtCache : false
    }))
  }
  if (byKid.size === 0) throw new Error(`${jwksFile} holds no EdDSA key`)
  return byKid
}

// The kid of a compact JWS's header (unverified: it only picks the verifier).
function kidOf (token) {
  const dot = token.indexOf('.')
  if (dot <= 0) return undefined
  try {
    const h = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'))
    return typeof h.kid === 'string' ? h.kid : undefined
  } catch {
    return undefined
  }
}

function serve (onListening) {
  const fastify = require('fastify')
  const helmet = require('@fastify/helmet')
  const rateLimit = require('@fastify/rate-limit')

  const opts = {
    logger: false, // Fastify's default; a logger would only lower its numbers
    // 16 random bytes, base64url: 22 characters, like bulwark's request id
    genReqId: () => crypto.randomBytes(16).toString('base64url')
  }
  if (tls) {
    opts.https = {
      cert: fs.readFileSync(certFile),
      key: fs.readFileSync(keyFile),
      minVersion: 'TLSv1.3'
    }
  }
  const app = fastify(opts)
  const verifiers = jwksFile !== '' ? accessVerifiers() : null

  function problem (reply, status, challenge) {
    reply.code(status).type('application/problem+json').header('WWW-Authenticate', challenge)
    return JSON.stringify({ status })
  }

  app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] }
    },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    originAgentCluster: false,
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: tls
      ? { maxAge: 63072000, includeSubDomains: true, preload: false }
      : false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: { action: 'deny' },
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false
  })

  // Draft-spec labels (ratelimit-limit/-remaining/-reset); the onSend hook below
  // folds them into bulwark's two headers, RateLimit-Policy and RateLimit.
  app.register(rateLimit, {
    global: true,
    max: rlMax,
    timeWindow: rlWindowMs,
    enableDraftSpec: true
  })

  const windowS = Math.max(1, Math.ceil(rlWindowMs / 1000))
  const policy = `"ip";q=${rlMax};w=${windowS}`

  app.addHook('onSend', function bulwarkHeaders (request, reply, payload, done) {
    const remaining = reply.getHeader('ratelimit-remaining')
    const reset = reply.getHeader('ratelimit-reset')
    if (remaining !== undefined) {
      reply.removeHeader('ratelimit-limit')
      reply.removeHeader('ratelimit-remaining')
      reply.removeHeader('ratelimit-reset')
      reply.header('RateLimit-Policy', policy)
      reply.header('RateLimit', `"ip";r=${remaining};t=${reset}`)
    }
    reply.header('Permissions-Policy', permissionsPolicy)
    reply.header('Cache-Control', 'no-store')
    if (request.routeOptions.url === '/v1/ping') reply.header('Vary', 'Origin') // as bulwark
    reply.header('X-Request-Id', request.id)
    done(null, payload)
  })

  // Routes go in after the plugins have loaded, so the rate limiter's onRoute hook
  // sees them (a route declared at the top level beforehand would escape it).
  app.after(() => {
    app.get('/v1/ping', function ping (request, reply) {
      reply.type('application/json')
      return '{"pong":true}'
    })
    if (verifiers !== null) {
      app.get('/v1/whoami', function whoami (request, reply) {
        const auth = request.headers.authorization
        // RFC 6750: no credential at all gets the bare challenge
        if (typeof auth !== 'string' || auth.slice(0, 7).toLowerCase() !== 'bearer ') {
          return problem(reply, 401, 'Bearer')
        }
        const token = auth.slice(7).trim()
        const verify = verifiers.get(kidOf(token))
        let claims
        try {
          if (verify === undefined) throw new Error('unknown kid')
          claims = verify(token)
        } catch {
          return problem(reply, 401, 'Bearer error="invalid_token"')
        }
        const scopes = typeof claims.scope === 'string' && claims.scope !== ''
          ? claims.scope.split(' ')
          : []
        if (!scopes.includes('whoami')) {
          return problem(reply, 403, 'Bearer error="insufficient_scope", scope="whoami"')
        }
        reply.type('application/json')
        return JSON.stringify({
          kind: claims.sub === claims.client_id ? 'client' : 'user',
          sub: claims.sub,
          client_id: claims.client_id,
          scopes
        })
      })
    }
  })

  app.listen({ host: '127.0.0.1', port }, (err) => {
    if (err) {
      console.error(err.message)
      process.exit(1)
    }
    onListening()
  })
}

if (workers === 1) {
  serve(() => console.log('ready'))
  process.on('SIGTERM', () => process.exit(0))
} else if (cluster.isPrimary) {
  // Round-robin accept in the primary (node's default on Linux); each worker runs
  // the same app. SIGTERM to the primary stops the workers.
  let listening = 0
  let shuttingDown = false
  for (let i = 0; i < workers; i++) cluster.fork()
  cluster.on('message', (w, msg) => {
    if (msg === 'listening' && ++listening === workers) console.log('ready')
  })
  cluster.on('exit', (w, code, signal) => {
    if (!shuttingDown) {
      console.error(`worker ${w.process.pid} died (${signal || code})`)
      process.exit(1)
    }
  })
  process.on('SIGTERM', () => {
    shuttingDown = true
    for (const id in cluster.workers) cluster.workers[id].process.kill('SIGTERM')
    process.exit(0)
  })
} else {
  serve(() => process.send('listening'))
  process.on('SIGTERM', () => process.exit(0))
}
