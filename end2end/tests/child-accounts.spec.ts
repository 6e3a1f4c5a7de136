import { expect, test, type Page } from '@playwright/test';
import { gotoHydrated, sandboxCall, sandboxChild, screenshot, signIn } from './support';

// One reseller's day, then support's, then the auditor's look at both. Effects are
// checked in the sandbox itself, not in what the portal shows.
test.describe.configure({ mode: 'serial' });

/** A seeded child that is active, found through the sandbox. */
async function activeChild(request: Parameters<typeof sandboxCall>[0]) {
  const body = await sandboxCall(request, 'GetChildrenAccounts', { active: 'true', count: '10', offset: '5', order_by: 'child_account_id' });
  return body.result[0] as { account_id: number; account_name: string; account_email: string; language_code: string };
}

async function rowNames(page: Page) {
  return page.locator('[data-test="child-row"] td[data-col="name"]').allTextContents();
}

test('a reseller finds, sorts, pages, edits, deactivates and activates a child', async ({ page, request }) => {
  const child = await activeChild(request);
  await signIn(page, 'reseller');
  const { errors } = await gotoHydrated(page, '/children');
  await expect(page.getByRole('heading', { name: 'Child accounts' })).toBeVisible();
  await expect(page.locator('[data-test="child-row"]')).toHaveCount(20);
  await expect(page.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'ascending');
  await screenshot(page, 'children-list');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'children-list');
  await page.setViewportSize({ width: 1280, height: 800 });

  // Sort by email: the address says so, the header says so, the rows are in order.
  await page.getByRole('link', { name: 'Email', exact: true }).click();
  await expect(page).toHaveURL(/sort=email/);
  await expect(page.getByRole('columnheader', { name: 'Email' })).toHaveAttribute('aria-sort', 'ascending');
  const emails = await page.locator('[data-test="child-row"] td[data-col="email"]').allTextContents();
  expect(emails).toEqual([...emails].sort());

  // Pages.
  await page.getByRole('link', { name: 'Next', exact: true }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.locator('.pager-position')).toContainText('21–');

  // Find it by name: the address keeps the search, a reload too.
  await page.getByLabel('Search').fill(child.account_name);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${child.account_name}`));
  expect(await rowNames(page)).toContain(child.account_name);
  await page.reload();
  await expect(page.locator('#app[data-hydrated="true"]')).toBeAttached();
  await expect(page.getByLabel('Search')).toHaveValue(child.account_name);
  expect(await rowNames(page)).toContain(child.account_name);

  // Its page.
  await page.getByRole('link', { name: child.account_name, exact: true }).click();
  await expect(page.getByRole('heading', { name: child.account_name, exact: true, level: 1 })).toBeVisible();
  await expect(page.locator('[data-test="child-status"]')).toHaveText('Active');
  await expect(page.locator('[data-test="verification-card"]')).toBeVisible();
  await screenshot(page, 'child-page');

  // Edit: broken values are stopped next to their field.
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  const form = page.locator('[data-test="edit-child-form"]');
  await expect(form).toBeVisible();
  await expect(page.locator('#app[data-hydrated="true"]')).toBeAttached();
  await page.getByLabel('Email', { exact: true }).fill('not-an-email');
  await page.getByLabel('New password').fill('weak');
  await expect(page.locator('#field-new_child_account_password-error')).toContainText('at least 8');
  await page.getByLabel('Min balance to notify').fill('ten');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#field-new_child_account_email-error')).toContainText('must be an email address');
  await expect(page.locator('#field-min_balance_to_notify-error')).toContainText('amount like 10');
  await expect(page.getByLabel('Email', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await screenshot(page, 'child-edit-errors');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'child-edit-errors');
  await page.setViewportSize({ width: 1280, height: 800 });

  // Then real values: the dialog shows before → after, only what changed.
  const language = child.language_code === 'de' ? 'fr' : 'de';
  const amount = `${10 + (Date.now() % 80)}.5`;
  await page.getByLabel('Email', { exact: true }).fill(child.account_email);
  await page.getByLabel('New password').fill('');
  await page.getByLabel('Min balance to notify').fill(amount);
  await page.getByLabel('Language').fill(language);
  await form.getByRole('button', { name: 'Save changes' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading')).toHaveText(`Save 2 changes to ${child.account_name}?`);
  const preview = dialog.locator('[data-test="change-preview"] tbody tr');
  await expect(preview).toHaveCount(2);
  await expect(preview.filter({ hasText: 'Language' })).toContainText(language);
  await expect(preview.filter({ hasText: 'Min balance to notify' })).toContainText(`${amount}0 ${child.currency}`);
  await screenshot(page, 'child-edit-confirm', { screen: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'child-edit-confirm', { screen: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('heading', { name: child.account_name, exact: true, level: 1 })).toBeVisible();
  let stored = await sandboxChild(request, child.account_id);
  expect(stored.language_code).toBe(language);
  expect(Number(stored.min_balance_to_notify)).toBe(Number(amount));

  // Deactivate, after the dialog says what the customer loses.
  await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
  const deactivate = page.getByRole('dialog', { name: `Deactivate ${child.account_name}?` });
  await expect(deactivate).toContainText('stops working at once');
  await expect(deactivate).toContainText('1 account');
  await screenshot(page, 'child-deactivate-dialog', { screen: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'child-deactivate-dialog', { screen: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await deactivate.getByRole('button', { name: 'Deactivate account' }).click();
  await expect(page.locator('[data-test="child-status"]')).toHaveText('Inactive');
  stored = await sandboxChild(request, child.account_id);
  expect(stored.active).toBe(false);

  // And back.
  await page.getByRole('button', { name: 'Activate', exact: true }).click();
  const activate = page.getByRole('dialog', { name: `Activate ${child.account_name}?` });
  await expect(activate).toContainText('can use Voximplant again');
  await activate.getByRole('button', { name: 'Activate account' }).click();
  await expect(page.locator('[data-test="child-status"]')).toHaveText('Active');
  stored = await sandboxChild(request, child.account_id);
  expect(stored.active).toBe(true);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'child-page');
  expect(errors).toEqual([]);
});

test('bad addresses get a clear message, never a crash', async ({ page }) => {
  await signIn(page, 'reseller');
  await gotoHydrated(page, '/children/not-a-number');
  await expect(page.locator('[data-test="child-error"]')).toContainText('is not a child account id');
  await gotoHydrated(page, '/children/999999999');
  await expect(page.locator('[data-test="child-error"]')).toContainText('was not found');
  await gotoHydrated(page, '/children?page=9999');
  await expect(page.locator('[data-test="empty-state"]')).toContainText('past the end');
  await gotoHydrated(page, `/children?q=${'x'.repeat(1300)}`);
  await expect(page.locator('[data-test="search-error"]')).toContainText('too long');
});

test('support changes news emails and sees no other control', async ({ page, request }) => {
  const child = await activeChild(request);
  const before = await sandboxChild(request, child.account_id);
  await signIn(page, 'support');
  await gotoHydrated(page, '/children');
  await expect(page.getByRole('link', { name: 'New child account' })).toHaveCount(0);
  const { errors } = await gotoHydrated(page, `/children/${child.account_id}`);
  await expect(page.getByRole('heading', { name: child.account_name, exact: true, level: 1 })).toBeVisible();
  for (const control of ['Edit', 'Activate', 'Deactivate', 'New child account']) {
    await expect(page.getByRole('button', { name: control, exact: true })).toHaveCount(0);
    await expect(page.getByRole('link', { name: control, exact: true })).toHaveCount(0);
  }
  const news = page.getByLabel('News emails');
  await expect(news).toBeChecked({ checked: before.news_notifications });
  await news.setChecked(!before.news_notifications);
  await page.getByRole('button', { name: 'Save notification settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Notification settings saved' })).toBeVisible();
  const after = await sandboxChild(request, child.account_id);
  expect(after.news_notifications).toBe(!before.news_notifications);
  expect(after.account_notifications).toBe(before.account_notifications);
  const { response } = await gotoHydrated(page, `/children/${child.account_id}/edit`);
  expect(response?.status()).toBe(403);
  expect(errors).toEqual([]);
});

test('the auditor sees each child action with before and after', async ({ page }) => {
  await signIn(page, 'auditor');
  await gotoHydrated(page, '/audit?action=child_account');
  const rows = page.locator('table tbody tr');
  for (const action of ['child_account.update', 'child_account.deactivate', 'child_account.activate', 'child_account.notifications.update']) {
    await expect(rows.filter({ hasText: action }).first()).toBeVisible();
  }
  await rows.filter({ hasText: 'child_account.deactivate' }).first().getByRole('link').first().click();
  await expect(page.getByRole('heading', { name: /child_account\.deactivate/ })).toBeVisible();
  await expect(page.locator('main')).toContainText('active');
  await expect(page.locator('main')).toContainText('true');
  await expect(page.locator('main')).toContainText('false');
});
