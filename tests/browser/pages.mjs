// pages.mjs — the account pages in a real browser (Chromium, playwright-core):
// registration, sign-in, the account pages, password change and sign-out
// through the forms; two-step verification set up through the security page
// (the key read from the page, codes computed here by RFC 6238) and a
// sign-in with a code; the re-authentication prompt and its refusal to
// return to another site; the session cookie out of reach of scripts; hostile
// values shown as text; injected markup stopped by CSP; and forms
// auto-submitted by a page on another site and on another port of the same
// host, which must change nothing. Run by tests/integration/test_browser.py,
// which starts the server and the attacker's servers and checks the server's
// state afterwards. Prints one JSON line of observations; exits non-zero on
// a failed assertion.
//
// Environment: APP (https://127.0.0.1:P), EVIL_CROSS (https://localhost:Q),
// EVIL_SAME (https://127.0.0.1:R), SHOTS (screenshot directory), EMAIL,
// PASSWORD, NEW_PASSWORD, HOSTILE_UA.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { chromium } = createRequire(join(here, '../node/package.json'))('playwright-core');

const { APP, EVIL_CROSS, EVIL_SAME, SHOTS, EMAIL, PASSWORD, NEW_PASSWORD, HOSTILE_UA } = process.env;
const HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
const out = { dialogs: [], csp: [], attacks: {}, shots: [] };

const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true, ignoreHTTPSErrors: true,
  userAgent: HOSTILE_UA, viewport: { width: 1000, height: 800 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-dev-shm-usage', '--ignore-certificate-errors', '--short-reporting-delay'],
});

// RFC 6238 TOTP (SHA-1, 30 s steps), written here so the server is checked
// against an implementation of its own: key is the raw key, t Unix seconds.
function totpKey(key, t, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', key).update(msg).digest();
  const o = h[h.length - 1] & 15;
  const n = ((h[o] & 127) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 10 ** digits).padStart(digits, '0');
}
// RFC 4648 base32 (the key as the page shows it, spaces allowed)
function base32(text) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const out = [];
  let bits = 0; let v = 0;
  for (const ch of text.replace(/\s/g, '').toUpperCase()) {
    const i = abc.indexOf(ch);
    assert.ok(i >= 0, `not base32: ${ch}`);
    v = ((v << 5) | i) & 0xfff; bits += 5;
    if (bits >= 8) { out.push((v >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}
// the RFC's own test vectors first (Appendix B, SHA-1)
const rfcKey = Buffer.from('12345678901234567890');
assert.equal(totpKey(rfcKey, 59, 8), '94287082');
assert.equal(totpKey(rfcKey, 1111111109, 8), '07081804');
assert.equal(totpKey(rfcKey, 20000000000, 8), '65353130');
assert.deepEqual(base32('GEZDGNBV GY3TQOJQ'), Buffer.from('1234567890'));
const totp = (secret, steps = 0) => totpKey(base32(secret), Date.now() / 1000 + 30 * steps);
// wait until the current step has 3 s gone and 6 s left: "now" and "one
// step ago" then mean the same here and at the server for a few requests
async function steady() {
  while (!((Date.now() / 1000) % 30 >= 3 && (Date.now() / 1000) % 30 <= 24))
    await new Promise((r) => setTimeout(r, 500));
}

async function shot(page, name) {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  out.shots.push(path);
}

// A screenshot at a phone's width, then back to the desktop one.
async function phoneShot(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, name);
  await page.setViewportSize({ width: 1000, height: 800 });
}

// Submit the page's form whose action is `action` and wait for where it lands.
async function submit(page, action) {
  const [resp] = await Promise.all([
    page.waitForNavigation(),
    page.locator(`form[action="${action}"] button[type="submit"]`).first().click(),
  ]);
  return resp;
}

try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('dialog', async (d) => { out.dialogs.push(d.message()); await d.dismiss(); });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  // ---- registration: a hostile email is refused and shown as text
  await page.goto(`${APP}/register`);
  await shot(page, 'register');
  await page.fill('#email', HOSTILE);
  await page.fill('#password', PASSWORD);
  await page.$eval('#email', (e) => { e.type = 'text'; });   // past the browser's own check
  let r = await submit(page, '/register');
  assert.equal(r.status(), 400);
  assert.equal(await page.inputValue('#email'), HOSTILE);     // the value, as text
  assert.equal(await page.locator('#password').inputValue(), ''); // never echoed
  assert.equal(await page.locator('script').count(), 0);
  await shot(page, 'register-error');

  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);
  r = await submit(page, '/register');
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/login?m=registered');
  await shot(page, 'login-registered');

  // ---- sign-in: a wrong password first (hostile), then the right one
  await page.fill('#email', EMAIL);
  await page.fill('#password', HOSTILE);
  r = await submit(page, '/login');
  assert.equal(r.status(), 401);
  assert.ok((await page.content()).indexOf('<script>alert(1)') < 0);
  await shot(page, 'login-error');
  await page.fill('#password', PASSWORD);
  r = await submit(page, '/login');
  assert.equal(new URL(page.url()).pathname, '/account');
  await shot(page, 'account');

  // ---- the session cookie: HttpOnly, Secure, SameSite=Lax; scripts cannot see it
  const cookies = await context.cookies(APP);
  const sid = cookies.find((c) => c.name === '__Host-bulwark_session');
  assert.ok(sid && sid.httpOnly && sid.secure && sid.sameSite === 'Lax');
  out.document_cookie = await page.evaluate(() => document.cookie);
  assert.ok(!out.document_cookie.includes('bulwark_session'));
  assert.ok(!out.document_cookie.includes('bulwark_csrf'));

  // ---- the session list shows the hostile User-Agent as text
  await page.goto(`${APP}/account/sessions`);
  const device = await page.locator('.device').first().innerText();
  assert.ok(device.includes('<script>alert("ua")</script>'), device);
  out.sessions_before = await page.locator('form[action="/account/sessions/revoke"]').count();
  await shot(page, 'sessions');

  // ---- injected markup: as if a template had let markup through, the real
  // page arrives with an inline script, an inline handler and a foreign
  // script in its HTML (the server's headers kept): CSP stops all three and
  // the browser reports them
  await page.route(`${APP}/account`, async (route) => {
    const resp = await route.fetch();
    const body = (await resp.text()).replace('<main>',
      '<main><script>window.__pwned = 1</script>' +
      '<img src="/static/missing.png" onerror="window.__pwned2 = 1">' +
      '<script src="https://localhost:9/x.js"></script>');
    await route.fulfill({ response: resp, body });
  });
  await page.goto(`${APP}/account`);
  await page.waitForTimeout(300);
  await page.unroute(`${APP}/account`);
  out.pwned = await page.evaluate(() => [window.__pwned ?? null, window.__pwned2 ?? null]);
  out.csp = await page.evaluate(() => window.__csp);
  assert.deepEqual(out.pwned, [null, null]);
  assert.ok(out.csp.some((v) => v.startsWith('script-src-elem')), JSON.stringify(out.csp));
  assert.ok(out.csp.some((v) => v.startsWith('script-src-attr')), JSON.stringify(out.csp));

  // ---- password change through the page (a hostile wrong current one first)
  await page.goto(`${APP}/account/security`);
  await shot(page, 'security');
  await page.fill('#current_password', HOSTILE);
  await page.fill('#new_password', NEW_PASSWORD);
  r = await submit(page, '/account/password');
  assert.equal(r.status(), 400);
  assert.ok((await page.content()).indexOf(NEW_PASSWORD) < 0);
  await shot(page, 'security-error');
  await page.fill('#current_password', PASSWORD);
  await page.fill('#new_password', NEW_PASSWORD);
  r = await submit(page, '/account/password');
  assert.equal(new URL(page.url()).search, '?m=password_changed');
  await shot(page, 'security-changed');

  // ---- forms auto-submitted by another site and by another port of this host
  await page.goto(`${APP}/account/sessions`);
  out.sessions_before = await page.locator('form[action="/account/sessions/revoke"]').count();
  for (const [name, evil] of [['cross_site', EVIL_CROSS], ['same_site', EVIL_SAME]]) {
    out.attacks[name] = {};
    for (const attack of ['password', 'logout', 'revoke', 'login', 'mfa', 'reauth']) {
      const seen = [];
      const onResp = (resp) => {
        if (resp.url().startsWith(APP) && resp.request().method() === 'POST')
          seen.push(resp.status());
      };
      page.on('response', onResp);
      await page.goto(`${evil}/${attack}.html`);
      await page.waitForURL((u) => u.href.startsWith(APP), { timeout: 10000 });
      await page.waitForLoadState();
      page.off('response', onResp);
      out.attacks[name][attack] = seen;
    }
  }
  await page.goto(`${APP}/account`);
  assert.equal(new URL(page.url()).pathname, '/account');        // still signed in
  assert.ok((await page.content()).includes(EMAIL));            // as the victim
  await page.goto(`${APP}/account/sessions`);
  out.sessions_after = await page.locator('form[action="/account/sessions/revoke"]').count();

  // ---- a phone-sized screen
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'sessions-phone');
  await page.goto(`${APP}/account/security`);
  await shot(page, 'security-phone');
  await page.setViewportSize({ width: 1000, height: 800 });

  // ---- the re-authentication prompt: back to a same-origin path only
  await page.goto(`${APP}/reauth?next=${encodeURIComponent('https://localhost:9/phish')}`);
  assert.equal(await page.inputValue('input[name="next"]'), '/account');
  await page.fill('#password', NEW_PASSWORD);
  r = await submit(page, '/reauth');
  assert.equal(new URL(page.url()).href, `${APP}/account`);
  await page.goto(`${APP}/reauth?next=${encodeURIComponent('/account/security')}`);
  await shot(page, 'reauth');
  await page.fill('#password', 'not the password 0000');
  r = await submit(page, '/reauth');
  assert.equal(r.status(), 401);
  await shot(page, 'reauth-error');
  await phoneShot(page, 'reauth-phone');
  await page.fill('#password', NEW_PASSWORD);
  r = await submit(page, '/reauth');
  assert.equal(new URL(page.url()).pathname, '/account/security');

  // ---- two-step verification through the security page
  r = await submit(page, '/account/mfa/totp');
  assert.equal(r.status(), 200);
  assert.equal(await page.locator('.qr svg').count(), 1);           // the server's QR code
  assert.deepEqual(await page.evaluate(() => window.__csp), []);    // nothing the CSP stopped
  assert.equal(await page.locator('script').count(), 0);
  const secret = (await page.locator('#secret').innerText()).trim();
  assert.match(secret, /^[A-Z2-7]{4}( [A-Z2-7]{4}){7}$/);
  const uri = await page.locator('#otpauth-uri').textContent();
  assert.equal(new URL(uri).searchParams.get('secret'), secret.replace(/ /g, ''));
  await shot(page, 'mfa-setup');
  await phoneShot(page, 'mfa-setup-phone');
  await steady();
  const wrongCode = totp(secret) === '000000' ? '111111' : '000000';
  await page.fill('#code', wrongCode);
  r = await submit(page, '/account/mfa/confirm');
  assert.equal(r.status(), 400);
  assert.equal(await page.locator('#secret').count(), 0);           // the key is not shown again
  await shot(page, 'mfa-setup-error');
  await page.fill('#code', totp(secret, -1));                       // the step before: accepted
  r = await submit(page, '/account/mfa/confirm');
  assert.equal(r.status(), 200);
  const backup = await page.locator('#backup-codes code').allInnerTexts();
  assert.equal(backup.length, 10);
  backup.forEach((c) => assert.match(c, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/));
  await shot(page, 'mfa-codes');
  await phoneShot(page, 'mfa-codes-phone');
  await page.goto(`${APP}/account/security`);
  assert.ok((await page.content()).includes('10 backup codes left.'));
  await shot(page, 'security-mfa-on');
  out.mfa = { backup_codes: backup.length };

  // ---- sign out through the form
  await page.goto(`${APP}/account`);
  r = await submit(page, '/logout');
  assert.equal(new URL(page.url()).search, '?m=signed_out');
  await shot(page, 'signed-out');
  await page.goto(`${APP}/account`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await phoneShot(page, 'login-phone');

  // ---- sign in with the second factor: the password, then the code page
  await page.fill('#email', EMAIL);
  await page.fill('#password', NEW_PASSWORD);
  r = await submit(page, '/login');
  assert.equal(new URL(page.url()).pathname, '/login/mfa');
  // no token in the URL: only the return path (the page the sign-in came from)
  assert.deepEqual([...new URL(page.url()).searchParams.keys()], ['next']);
  assert.equal(new URL(page.url()).searchParams.get('next'), '/account');
  const mfaCookie = (await context.cookies(APP)).find((c) => c.name === '__Host-bulwark_mfa');
  assert.ok(mfaCookie && mfaCookie.httpOnly && mfaCookie.secure && mfaCookie.sameSite === 'Strict');
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('bulwark_mfa'));
  assert.ok(!(await page.content()).includes(mfaCookie.value));     // nor in the page
  assert.ok(!(await context.cookies(APP)).some((c) => c.name === '__Host-bulwark_session'));
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  await shot(page, 'login-mfa');
  await steady();
  await page.fill('#code', wrongCode === totp(secret) ? '222222' : wrongCode);
  r = await submit(page, '/login/mfa');
  assert.equal(r.status(), 401);
  await shot(page, 'login-mfa-error');
  await phoneShot(page, 'login-mfa-phone');
  await page.fill('#code', totp(secret));
  r = await submit(page, '/login/mfa');
  assert.equal(new URL(page.url()).pathname, '/account');
  assert.ok((await page.content()).includes(EMAIL));
  assert.ok(!(await context.cookies(APP)).some((c) => c.name === '__Host-bulwark_mfa'));
  out.mfa.signed_in_with_code = true;

  assert.deepEqual(out.dialogs, []);
  console.log(JSON.stringify(out));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
