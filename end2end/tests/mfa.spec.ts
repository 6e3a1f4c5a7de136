import { test, expect, type Page } from '@playwright/test';
import * as crypto from 'crypto';
import { addPerson, gotoHydrated, screenshot, signIn, signInWith } from './support';

/** The key shown on /me ("JBSW Y3DP …") as bytes, the way an authenticator app reads it. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/[\s=]/g, '').toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 with the app defaults (SHA-1, 6 digits, 30 s): the code an app shows at `unixSeconds`. */
function totp(key: Buffer, unixSeconds: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

const now = () => Date.now() / 1000;

async function logOut(page: Page) {
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/** The password step; answers on the second step's page. */
async function password(page: Page, user: { username: string; password: string }) {
  await gotoHydrated(page, '/login');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login\/two-step$/);
  await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
  await expect(page.locator('#app[data-hydrated="true"]')).toBeAttached();
}

async function secondStep(page: Page, code: string) {
  await page.getByLabel('Code from your app, or a recovery code').fill(code);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
}

test('a reseller sets up two-step sign-in, signs in with a code, and uses a recovery code once', async ({ page, browser }) => {
  // Five sign-ins and an admin's reset in one story: about 25 s here, past the default 30 s
  // limit on a busy machine.
  test.setTimeout(90_000);
  await signIn(page, 'admin');
  const person = await addPerson(page, 'reseller', 'Tess Twostep');
  const tess = await (await browser.newContext()).newPage();
  await signInWith(tess, person);
  await gotoHydrated(tess, '/me');
  await expect(tess.locator('[data-test="two-step-status"]')).toContainText('Off');

  // Set up: a QR code and the same key as text; a code from the app turns it on.
  await tess.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  await expect(tess.getByRole('img', { name: /QR code/ })).toBeVisible();
  const key = base32Decode((await tess.locator('[data-test="two-step-secret"]').textContent()) ?? '');
  expect(key.length).toBe(20);
  await screenshot(tess, 'me-two-step-setup');
  const setup = tess.locator('[data-test="two-step-setup"]');
  await setup.getByLabel('Code from your app').fill(totp(key, now()));
  await setup.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  const codes = tess.locator('[data-test="recovery-codes"] li');
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.allTextContents()).map((code) => code.trim());
  expect(recovery[0]).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{2}$/);
  await expect(tess.locator('[data-test="two-step-status"]')).toContainText('10 of your recovery codes are unused');
  await screenshot(tess, 'me-two-step-on');

  // The password alone no longer signs in: a wrong code is refused next to its field.
  await logOut(tess);
  await password(tess, person);
  const wrong = totp(key, now()) === '000000' ? '111111' : '000000';
  await secondStep(tess, wrong);
  await expect(tess.locator('#field-code-error')).toContainText('not right');
  await expect(tess.getByLabel('Code from your app, or a recovery code')).toHaveAttribute('aria-describedby', /field-code-error/);
  await screenshot(tess, 'login-two-step');
  // The next code from the app signs in (the one that turned it on is spent).
  await secondStep(tess, totp(key, now() + 30));
  await expect(tess.getByRole('navigation', { name: 'Primary' })).toBeVisible();

  // A recovery code signs in once.
  await logOut(tess);
  await password(tess, person);
  await secondStep(tess, recovery[0].toLowerCase());
  await expect(tess.getByRole('navigation', { name: 'Primary' })).toBeVisible();
  await gotoHydrated(tess, '/me');
  await expect(tess.locator('[data-test="two-step-status"]')).toContainText('9 of your recovery codes are unused');
  await logOut(tess);
  await password(tess, person);
  await secondStep(tess, recovery[0]);
  await expect(tess.locator('#field-code-error')).toContainText('not right');

  // An admin resets it (a lost phone): the password alone signs in again.
  await gotoHydrated(page, '/admin');
  const row = page.locator(`[data-test="user-${person.username}"]`);
  await expect(row.locator('[data-test="two-step-on"]')).toHaveText('Two-step on');
  await row.getByRole('button', { name: 'Reset two-step' }).click();
  const dialog = page.getByRole('dialog', { name: "Turn off Tess Twostep's two-step sign-in?" });
  await expect(dialog).toContainText('their sessions end');
  await dialog.getByRole('button', { name: 'Reset two-step sign-in' }).click();
  await expect(row.getByRole('button', { name: 'Reset two-step' })).toHaveCount(0);
  await expect(row.locator('[data-test="two-step-on"]')).toHaveCount(0);
  await signInWith(tess, person);
});

test('admins see which roles must use two-step sign-in', async ({ page }) => {
  await signIn(page, 'admin');
  await gotoHydrated(page, '/admin');
  const policy = page.getByRole('table', { name: 'Two-step sign-in by role' });
  // The demo makes it optional for every role, and says so when it starts.
  for (const role of ['admin', 'reseller', 'support', 'auditor']) {
    await expect(policy.locator(`[data-test="two-step-role-${role}"]`)).toContainText('Optional');
  }
  await screenshot(page, 'admin-two-step-policy');
});
