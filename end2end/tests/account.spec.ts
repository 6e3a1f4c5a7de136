import { expect, test } from '@playwright/test';
import { gotoHydrated, sandboxCall, screenshot, signIn } from './support';

/** An amount as the portal shows it: at least two decimals, never rounded, thousands
 * separated by commas. */
function amount(value: number): string {
  const text = String(value);
  const decimals = text.includes('.') ? text.split('.')[1].length : 0;
  const plain = decimals >= 2 ? text : value.toFixed(2);
  const [whole, fraction] = plain.split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}

test('the dashboard shows the sandbox balance, currency and children, each tile on its own', async ({ page, request }) => {
  await signIn(page, 'reseller');
  const { errors } = await gotoHydrated(page, '/');
  const own = (await sandboxCall(request, 'GetAccountInfo', {})).result;
  await expect(page.locator('[data-test="balance"]')).toHaveText(`${amount(own.balance)} ${own.currency}`);
  await expect(page.locator('[data-test="account-state"]')).toHaveText(own.frozen ? 'Frozen by Voximplant' : own.active ? 'Active' : 'Inactive');
  const total = (await sandboxCall(request, 'GetChildrenAccounts', { count: '1' })).total_count;
  await expect(page.locator('[data-test="child-counts"]')).toContainText(String(total).replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  const lowest = page.locator('[data-test="lowest-balances"] tbody tr');
  await expect(lowest).toHaveCount(5);
  // The demo children hold several currencies: the tile says it compares their value.
  await expect(page.locator('[data-test="balance-comparison"]')).toHaveText(/value in USD at today's Voximplant rates/);
  // Each row links to that child's page.
  await lowest.first().getByRole('link').click();
  await expect(page).toHaveURL(/\/children\/\d+$/);
  await gotoHydrated(page, '/');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.locator('[data-test="balance"]')).toContainText(own.currency);
  // Resellers may not read the audit log: no activity tile.
  await expect(page.locator('[data-test="activity-tile"]')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a reseller edits the profile: a bad callback URL at its field, then before → after, saved on Voximplant', async ({ page, request }) => {
  await signIn(page, 'reseller');
  const { errors } = await gotoHydrated(page, '/account');
  const before = (await sandboxCall(request, 'GetAccountInfo', {})).result;
  const form = page.locator('[data-test="profile-form"]');
  await page.getByLabel('Callback URL').fill('ftp://hooks.example/voximplant');
  // Leaving the field shows its rule at once, as a keyboard user sees it.
  await page.getByLabel('Callback URL').press('Tab');
  await expect(page.locator('#field-callback_url-error')).toContainText('must be an http:// or https:// URL');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#field-callback_url-error')).toContainText('must be an http:// or https:// URL');
  await expect(page.getByLabel('Callback URL')).toBeFocused();
  await expect(page.getByLabel('Callback URL')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Callback URL').fill(before.callback_url ?? '');
  await expect(page.locator('#field-callback_url-error')).toBeEmpty();

  const threshold = String(Math.round(Number(before.min_balance_to_notify ?? 0)) + 17);
  await page.getByLabel('Min balance to notify').fill(threshold);
  const news = page.getByLabel('News emails');
  await news.setChecked(!before.news_notifications);
  await form.getByRole('button', { name: 'Save changes' }).click();
  const dialog = page.getByRole('dialog', { name: 'Save 2 changes to your account?' });
  await expect(dialog).toBeVisible();
  const preview = dialog.locator('[data-test="change-preview"]');
  // Amounts carry the account's currency, before and after.
  const shownThreshold = `${Number(threshold).toLocaleString('en-US', { minimumFractionDigits: 2 })} ${before.currency}`;
  await expect(preview.getByRole('row', { name: /Min balance to notify/ })).toContainText(shownThreshold);
  await expect(preview.getByRole('row', { name: /News emails/ })).toContainText(before.news_notifications ? 'off' : 'on');
  await screenshot(page, 'profile-confirm');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

  const after = (await sandboxCall(request, 'GetAccountInfo', {})).result;
  expect(Number(after.min_balance_to_notify)).toBe(Number(threshold));
  expect(after.news_notifications).toBe(!before.news_notifications);
  expect(after.account_email).toBe(before.account_email);
  expect(errors).toEqual([]);
});

for (const role of ['support', 'auditor'] as const) {
  test(`${role} reads the profile and the server refuses their change`, async ({ page, request }) => {
    await signIn(page, role);
    const { errors } = await gotoHydrated(page, '/account');
    await expect(page.getByText('Only admins and resellers can change the profile')).toBeVisible();
    await expect(page.locator('[data-test="profile-facts"]').first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Save changes' })).toHaveCount(0);
    const before = (await sandboxCall(request, 'GetAccountInfo', {})).result;
    const forged = await page.request.post('/api/account/update', { form: { 'changes[min_balance_to_notify]': '999' } });
    expect(forged.status()).toBe(403);
    const after = (await sandboxCall(request, 'GetAccountInfo', {})).result;
    expect(after.min_balance_to_notify).toBe(before.min_balance_to_notify);
    expect(errors).toEqual([]);
  });
}

test('the auditor sees the profile change in the audit log and on the dashboard', async ({ page }) => {
  await signIn(page, 'auditor');
  await gotoHydrated(page, '/audit?action=account.update');
  const rows = page.locator('table tbody tr');
  await expect(rows.filter({ hasText: 'account.update' }).first()).toBeVisible();
  await rows.filter({ hasText: 'account.update' }).first().getByRole('link').first().click();
  await expect(page.locator('main')).toContainText('min_balance_to_notify');
  await gotoHydrated(page, '/');
  await expect(page.locator('[data-test="recent-actions"]')).toContainText('account.update');
});

test('documents: the parent and every child, filtered by status', async ({ page }) => {
  await signIn(page, 'auditor');
  const { errors } = await gotoHydrated(page, '/account/documents');
  await expect(page.locator('[data-test="own-documents"]')).toBeVisible();
  await page.getByLabel('Required').check();
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/status=REQUIRED/);
  const rows = page.locator('[data-test="children-documents"] tbody tr');
  await expect(rows.first()).toBeVisible();
  for (const text of await rows.locator('td:nth-child(3)').allTextContents()) expect(text).toBe('Required');
  await rows.first().getByRole('link').click();
  await expect(page).toHaveURL(/\/children\/\d+$/);
  expect(errors).toEqual([]);
});

for (const width of [1280, 390]) {
  test(`the dashboard, the profile with an error and the documents fit at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await signIn(page, 'admin');
    await gotoHydrated(page, '/');
    await expect(page.locator('[data-test="balance"]')).toBeVisible();
    await expect(page.locator('[data-test="recent-actions"], [data-test="activity-tile"] p').first()).toBeVisible();
    // Every column of the recent actions, the outcome included, in view without scrolling the table.
    for (const table of await page.locator('[data-test="recent-actions"], [data-test="lowest-balances"]').all()) {
      const sideways = await table.evaluate((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth);
      expect(sideways, `${await table.getAttribute('data-test')} fit their card at ${width} px`).toBeLessThanOrEqual(0);
    }
    await screenshot(page, 'dashboard');
    await gotoHydrated(page, '/account');
    await page.getByLabel('Country').fill('XX');
    // Straight from the field to the button: the click lands, the rule shows, focus returns.
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#field-billing_address_country_code-error')).toContainText('country code');
    await expect(page.getByLabel('Country')).toBeFocused();
    await screenshot(page, 'profile-error');
    await gotoHydrated(page, '/account/documents');
    await expect(page.locator('[data-test="children-documents"]')).toBeVisible();
    await screenshot(page, 'documents');
  });
}
