import { test, expect } from '@playwright/test';
import { addPerson, demoUser, gotoHydrated, signIn, signInWith, type RoleName } from './support';

const sections: Record<string, string> = {
  Dashboard: '/',
  'Parent account': '/account',
  'Child accounts': '/children',
  Billing: '/billing',
  'Audit log': '/audit',
  Admin: '/admin',
};

// The navigation each role may use (the role table in README.md).
const allowed: Record<RoleName, string[]> = {
  admin: ['Dashboard', 'Parent account', 'Child accounts', 'Billing', 'Audit log', 'Admin'],
  reseller: ['Dashboard', 'Parent account', 'Child accounts', 'Billing'],
  support: ['Dashboard', 'Parent account', 'Child accounts', 'Billing'],
  auditor: ['Dashboard', 'Parent account', 'Child accounts', 'Billing', 'Audit log'],
};

test('signed out, every page leads to the login form', async ({ page }) => {
  for (const path of Object.values(sections)) {
    await gotoHydrated(page, path);
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Log in' })).toBeVisible();
  }
});

test('a wrong password is refused next to the form, without saying which part was wrong', async ({ page }) => {
  await gotoHydrated(page, '/login');
  await page.getByLabel('Username').fill(demoUser('reseller').username);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The username or password is incorrect.');
  await expect(page).toHaveURL(/\/login$/);
});

for (const role of Object.keys(allowed) as RoleName[]) {
  test(`${role}: sees only their navigation and is refused elsewhere`, async ({ page }) => {
    const { errors } = await signIn(page, role);
    await expect(page.locator('[data-test="user-role"]')).toHaveText(role[0].toUpperCase() + role.slice(1));
    const nav = page.getByRole('navigation', { name: 'Primary' });
    for (const [label, path] of Object.entries(sections)) {
      if (allowed[role].includes(label)) {
        await expect(nav.getByRole('link', { name: label })).toBeVisible();
      } else {
        await expect(nav.getByRole('link', { name: label })).toHaveCount(0);
        // Forcing the address: a clear refusal, not a crash.
        const { response } = await gotoHydrated(page, path);
        expect(response?.status()).toBe(403);
        await expect(page.getByRole('heading', { level: 1 })).toHaveText('This page is not available for your role');
      }
    }
    expect(errors).toEqual([]);
  });
}

test('logging out ends the session', async ({ page, context }) => {
  await signIn(page, 'reseller');
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect((await context.cookies()).filter((c) => c.name === 'voxdesk_session')).toHaveLength(0);
  await gotoHydrated(page, '/children');
  await expect(page).toHaveURL(/\/login$/);
});

test('an admin adds a person, who can then sign in', async ({ page, browser }) => {
  await signIn(page, 'admin');
  const person = await addPerson(page, 'support');

  const other = await browser.newContext();
  const newcomer = await other.newPage();
  await signInWith(newcomer, person);
  await expect(newcomer.locator('[data-test="user-role"]')).toHaveText('Support');
  await other.close();
});

for (const width of [1280, 390]) {
  test(`the login and admin pages fit at ${width} px`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height: 900 });
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await gotoHydrated(page, '/login');
    expect(await overflow(), 'login: no horizontal scrolling').toBeLessThanOrEqual(0);
    await page.screenshot({ path: testInfo.outputPath(`login-${width}.png`) });
    await signIn(page, 'admin');
    await gotoHydrated(page, '/admin');
    await page.getByText('Add a person').click();
    expect(await overflow(), 'admin: no horizontal scrolling').toBeLessThanOrEqual(0);
    const file = testInfo.outputPath(`admin-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    await testInfo.attach(`admin-${width}`, { path: file, contentType: 'image/png' });
  });
}

test('the demo sandbox is connected, shown by fingerprint, and picked for everyone', async ({ page }) => {
  await signIn(page, 'support');
  await expect(page.locator('[data-test="connection-picker"]')).toContainText('Sandbox (demo)');
  await page.getByRole('button', { name: 'Log out' }).click();
  // Signed out before signing in as someone else: a logout still answering when the
  // next login is made would remove the new session's cookie.
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, 'admin');
  await gotoHydrated(page, '/admin');
  const row = page.locator('[data-test="connection-Sandbox (demo)"]');
  await expect(row).toContainText('voxdesk-reseller');
  await expect(row.locator('[data-test="fingerprint"]')).toHaveText(/^sha256:[0-9a-f]{16}$/);
});

test('credentials Voximplant refuses are reported next to the key, and nothing is saved', async ({ page }) => {
  await signIn(page, 'admin');
  await gotoHydrated(page, '/admin');
  await page.getByText('Add a parent account').click();
  await page.getByLabel('Name in Voxdesk').fill('Wrong key');
  const sandboxUrl = await page.locator('[data-test="connection-Sandbox (demo)"] .block').first().textContent();
  await page.getByLabel('API address').fill(sandboxUrl!.trim());
  await page.getByLabel('Account ID').fill('100000');
  await page.getByLabel('API key').fill('definitely-not-the-key');
  await page.getByRole('button', { name: 'Check credentials' }).click();
  await expect(page.locator('#field-api_key ~ .field-error')).toHaveText('Voximplant did not accept these credentials.');
  await page.getByRole('button', { name: 'Save connection' }).click();
  await expect(page.locator('#field-api_key ~ .field-error')).toHaveText('Voximplant did not accept these credentials.');
  await expect(page.locator('[data-test="connection-Wrong key"]')).toHaveCount(0);
});

test('a service-account connection is added by uploading its credentials file', async ({ page }) => {
  const file = process.env.SANDBOX_CREDENTIALS_FILE;
  test.skip(!file, 'SANDBOX_CREDENTIALS_FILE is set by make test');
  await signIn(page, 'admin');
  await gotoHydrated(page, '/admin');
  const sandboxUrl = (await page.locator('[data-test="connection-Sandbox (demo)"] .block').first().textContent())!.trim();
  await page.getByText('Add a parent account').click();
  await page.getByLabel('Name in Voxdesk').fill('Sandbox by key');
  await page.getByLabel('Credentials', { exact: true }).selectOption('service_account');
  await page.getByLabel('API address').fill(sandboxUrl);
  await page.getByLabel('Upload the credentials file').setInputFiles(file!);
  await expect(page.getByLabel(/paste the credentials JSON/)).toHaveValue(/"key_id"/);
  await page.getByRole('button', { name: 'Check credentials' }).click();
  await expect(page.locator('[data-test="check-result"]')).toContainText('voxdesk-reseller (account 100000)');
  await page.getByRole('button', { name: 'Save connection' }).click();
  const row = page.locator('[data-test="connection-Sandbox by key"]');
  await expect(row).toContainText('Service account');
  await expect(row).not.toContainText('PRIVATE KEY');

  // Removing it asks first, in a dialog that says what happens; Cancel keeps it.
  await row.getByRole('button', { name: 'Remove', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove the connection “Sandbox by key”?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('This cannot be undone.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Remove', exact: true }).click();
  await dialog.getByRole('button', { name: 'Remove connection' }).click();
  await expect(page.locator('[data-test="connection-Sandbox by key"]')).toHaveCount(0);
  await expect(page.locator('[data-test="toast"]').first()).toContainText('removed');
  await expect(page.locator('[data-test="connection-Sandbox (demo)"]')).toBeVisible();
});

test('credentials are rotated to a service account for the same account', async ({ page }) => {
  const file = process.env.SANDBOX_CREDENTIALS_FILE;
  test.skip(!file, 'SANDBOX_CREDENTIALS_FILE is set by make test');
  const json = require('node:fs').readFileSync(file!, 'utf8');
  await signIn(page, 'admin');
  await gotoHydrated(page, '/admin');
  const row = page.locator('[data-test="connection-Sandbox (demo)"]');
  const before = await row.locator('[data-test="fingerprint"]').textContent();
  await row.getByRole('button', { name: 'Rotate credentials' }).click();
  await row.getByLabel('Kind of credentials').selectOption('service_account');
  await row.getByLabel('Service account credentials JSON').fill(json);
  await row.getByRole('button', { name: 'Check and save' }).click();
  await expect(row).toContainText('Service account');
  await expect(row.locator('[data-test="fingerprint"]')).not.toHaveText(before!);
});
