import { expect, test } from '@playwright/test';
import { gotoHydrated, signIn } from './support';

test('a reseller creates a child account: rules shown next to fields, the key shown once and working', async ({ page, request }) => {
  await signIn(page, 'reseller');
  const { errors } = await gotoHydrated(page, '/children');
  await page.getByRole('link', { name: 'New child account' }).click();
  await expect(page.getByRole('heading', { name: 'New child account' })).toBeVisible();
  await expect(page.locator('[data-test="parent-account"]')).toContainText('voxdesk-reseller');

  const form = page.locator('[data-test="new-child-form"]');
  const name = `e2e-${Date.now().toString(36)}`.slice(0, 20);
  await page.getByLabel('Account name *').fill('E2');
  await page.getByLabel('Email *').fill('not-an-email');
  await form.getByRole('button', { name: 'Create child account' }).click();
  // Nothing is sent: each broken rule shows next to its field, focus goes to the first.
  await expect(page.locator('#field-account_name-error')).toContainText('Account name must be 5 to 20 characters');
  await expect(page.locator('#field-account_email-error')).toContainText('Email must be an email address');
  await expect(page.locator('#field-account_password-error')).toHaveText('Password is required.');
  await expect(page.getByLabel('Account name *')).toBeFocused();
  await expect(page.getByLabel('Account name *')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Account name *').fill(name);
  await page.getByLabel('Email *').fill(`${name}@customer.example`);
  await page.getByLabel('Password *').fill('weakpass');
  await expect(page.locator('#field-account_password-error')).toContainText('uppercase letter');
  await page.getByLabel('Password *').fill('Str0ng!pass');
  await page.getByLabel('Time zone').fill('Europe/Berlin');
  await expect(page.locator('#field-account_name-error')).toBeHidden();
  await form.getByRole('button', { name: 'Create child account' }).click();

  const created = page.locator('[data-test="created-child"]');
  await expect(created).toContainText(`${name} has id`);
  await expect(created).toContainText('It is inactive');
  const key = (await page.locator('[data-test="child-api-key"]').textContent())!.trim();
  const id = (await created.textContent())!.match(/has id (\d+)/)![1];

  // The key works against Voximplant as the new child, which is there and inactive.
  const sandbox = process.env.SANDBOX_URL;
  if (sandbox) {
    const info = await request.post(`${sandbox}GetAccountInfo`, { form: { account_id: id, api_key: key } });
    const body = await info.json();
    expect(body.result.account_name).toBe(name);
    expect(body.result.active).toBe(false);
  }

  // The same name again: Voximplant's refusal lands on the name field.
  await page.getByRole('button', { name: 'Create another' }).click();
  await expect(page.locator('[data-test="child-api-key"]')).toHaveCount(0);
  await page.getByLabel('Account name *').fill(name);
  await page.getByLabel('Email *').fill(`other-${name}@customer.example`);
  await page.getByLabel('Password *').fill('Str0ng!pass');
  await form.getByRole('button', { name: 'Create child account' }).click();
  await expect(page.locator('#field-account_name-error')).toContainText('already taken');
  await page.getByLabel('Account name *').fill(`${name}-b`.slice(0, 20));
  await expect(page.locator('#field-account_name-error')).toBeHidden();
  expect(errors).toEqual([]);
});

test('the time zone and language fields suggest every value, loaded or navigated to', async ({ page }) => {
  await signIn(page, 'reseller');
  const suggestions = async () => ({
    zones: await page.locator('datalist#time-zones option').count(),
    berlin: await page.locator('datalist#time-zones option[value="Europe/Berlin"]').count(),
    german: await page.locator('datalist#languages option[value="de"]').textContent(),
  });
  // Loaded (the browser fills the lists once the page is live)...
  await gotoHydrated(page, '/children/new');
  await expect(page.getByLabel('Time zone')).toHaveAttribute('list', 'time-zones');
  const loaded = await suggestions();
  expect(loaded.zones).toBeGreaterThan(400);
  expect(loaded).toEqual({ zones: loaded.zones, berlin: 1, german: 'German' });
  // ...and rendered in the browser after a client-side navigation.
  await gotoHydrated(page, '/children');
  await page.getByRole('link', { name: 'New child account' }).click();
  await expect(page.getByRole('heading', { name: 'New child account' })).toBeVisible();
  expect(await suggestions()).toEqual(loaded);
  // The server sends the lists empty: 29 KB of every form page that no one reads
  // before the page is live.
  const html = await (await page.request.get('/children/new')).text();
  expect(html).toContain('<datalist id="time-zones"></datalist>');
  expect(html).not.toContain('<option value="Europe/Berlin"');
});

test('support staff cannot create child accounts', async ({ page }) => {
  await signIn(page, 'support');
  await gotoHydrated(page, '/children');
  await expect(page.getByRole('heading', { name: 'Child accounts' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'New child account' })).toHaveCount(0);
  const { response } = await gotoHydrated(page, '/children/new');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'This page is not available for your role' })).toBeVisible();
});

test('the auditor sees the create and the shown key in the log', async ({ page }) => {
  await signIn(page, 'auditor');
  await gotoHydrated(page, '/audit?action=child_account');
  const rows = page.locator('table tbody tr');
  await expect(rows.filter({ hasText: 'child_account.create' }).first()).toBeVisible();
  await expect(rows.filter({ hasText: 'child_account.api_key.show' }).first()).toBeVisible();
});
