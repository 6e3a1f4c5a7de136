import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { gotoHydrated, sandboxCall, sandboxChild, screenshot, signIn } from './support';

// Many accounts at once, clones, and a create that cannot double. Effects are
// checked in the sandbox itself.
test.describe.configure({ mode: 'serial' });

/** Children by id, `count` from `offset`, as the sandbox has them. */
async function childrenById(request: APIRequestContext, offset: number, count: number) {
  const body = await sandboxCall(request, 'GetChildrenAccounts', {
    order_by: 'child_account_id',
    offset: String(offset),
    count: String(count),
  });
  return body.result as { account_id: number; account_name: string; active: boolean; news_notifications: boolean }[];
}

/** The rows' checkboxes, by child name. */
function rowBox(page: Page, name: string) {
  return page.getByRole('checkbox', { name: `Select ${name}`, exact: true });
}

async function jobFinished(page: Page) {
  await expect(page.locator('[data-test="job-state"]')).toHaveText('Finished', { timeout: 20_000 });
}

test('a reseller deactivates three picked children after a dialog that says 3', async ({ page, request }) => {
  const three = await childrenById(request, 30, 3);
  const picked = three.map((c) => c.account_name);
  await signIn(page, 'reseller');
  const { errors } = await gotoHydrated(page, `/children?q=${three.map((c) => c.account_id).join('%2C%20')}`);
  await expect(page.locator('[data-test="child-row"]')).toHaveCount(3);
  for (const name of picked) await rowBox(page, name).check();
  await expect(page.locator('[data-test="selected-count"]')).toHaveText('3 child accounts selected');
  await screenshot(page, 'children-selected');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'children-selected');
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.locator('[data-test="bulk-deactivate"]').click();
  const dialog = page.getByRole('dialog', { name: 'Deactivate 3 child accounts?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Their calls and API access stop');
  await screenshot(page, 'bulk-dialog', { screen: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'bulk-dialog', { screen: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await dialog.getByRole('button', { name: 'Deactivate', exact: true }).click();

  await expect(page).toHaveURL(/\/children\/jobs\//);
  await jobFinished(page);
  await expect(page.getByRole('heading', { name: 'Deactivated 3 child accounts' })).toBeVisible();
  await expect(page.locator('[data-test="job-progress-text"]')).toHaveText('3 of 3');
  await expect(page.locator('[data-test="job-summary"]')).toHaveText('3 changed, 0 failed.');
  for (const child of await childrenById(request, 30, 3)) expect(child.active).toBe(false);
  // The page is its own: a reload shows the same.
  await page.reload();
  await expect(page.locator('#app[data-hydrated="true"]')).toBeAttached();
  await expect(page.locator('[data-test="job-summary"]')).toHaveText('3 changed, 0 failed.');
  // And the list offers it again.
  await page.getByRole('link', { name: 'Child accounts', exact: true }).first().click();
  await expect(page.locator('[data-test="recent-jobs"]').getByRole('link', { name: 'Deactivated 3 child accounts' }).first()).toBeVisible();
  expect(errors).toEqual([]);
});

test('a reseller activates every match of a filter with the progress bar', async ({ page, request }) => {
  const matching = await childrenById(request, 15, 25);
  const ids = matching.map((c) => c.account_id);
  await signIn(page, 'reseller');
  await gotoHydrated(page, `/children?q=${ids.join('%2C')}&sort=id`);
  await expect(page.locator('[data-test="child-row"]')).toHaveCount(20);
  await page.getByRole('checkbox', { name: 'Select all on this page' }).check();
  await expect(page.locator('[data-test="selected-count"]')).toHaveText('20 child accounts selected');
  await page.locator('[data-test="select-all-matching"]').click();
  await expect(page.locator('[data-test="selected-count"]')).toHaveText('25 child accounts selected');

  await page.locator('[data-test="bulk-activate"]').click();
  const dialog = page.getByRole('dialog', { name: 'Activate 25 child accounts?' });
  await dialog.getByRole('button', { name: 'Activate', exact: true }).click();
  await expect(page).toHaveURL(/\/children\/jobs\//);
  await expect(page.locator('[data-test="job-progress"]')).toBeVisible();
  await jobFinished(page);
  await expect(page.locator('[data-test="job-progress-text"]')).toHaveText('25 of 25');
  await expect(page.locator('[data-test="job-progress"]')).toHaveAttribute('value', '25');
  await screenshot(page, 'bulk-job');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'bulk-job');
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const child of await childrenById(request, 15, 25)) expect(child.active).toBe(true);
});

test('support may only change notification settings of many', async ({ page, request }) => {
  const two = await childrenById(request, 10, 2);
  const wanted = !two[0].news_notifications;
  await signIn(page, 'support');
  await gotoHydrated(page, `/children?q=${two.map((c) => c.account_id).join('%2C')}`);
  for (const child of two) await rowBox(page, child.account_name).check();
  await expect(page.locator('[data-test="bulk-activate"]')).toHaveCount(0);
  await expect(page.locator('[data-test="bulk-deactivate"]')).toHaveCount(0);
  await page.locator('[data-test="bulk-notifications"]').click();
  const dialog = page.getByRole('dialog', { name: 'Notification settings of 2 child accounts' });
  const apply = dialog.getByRole('button', { name: 'Apply to the selected accounts' });
  await expect(apply).toBeDisabled();
  await dialog.getByLabel('News emails').selectOption(wanted ? 'on' : 'off');
  await expect(apply).toBeEnabled();
  await apply.click();
  await jobFinished(page);
  await expect(page.getByText(`News emails → ${wanted ? 'on' : 'off'}`)).toBeVisible();
  for (const child of two) expect((await sandboxChild(request, child.account_id)).news_notifications).toBe(wanted);
});

test('a reseller clones a child and sees what was copied', async ({ page, request }) => {
  const [source] = await childrenById(request, 2, 1);
  const name = `cl-${Date.now().toString(36)}`.slice(0, 20);
  await signIn(page, 'reseller');
  await gotoHydrated(page, `/children/${source.account_id}`);
  await page.getByRole('link', { name: 'Clone', exact: true }).click();
  await expect(page.getByRole('heading', { name: `Clone ${source.account_name}` })).toBeVisible();
  await expect(page.locator('#app[data-hydrated="true"]')).toBeAttached();
  const form = page.locator('[data-test="clone-child-form"]');
  await page.getByLabel('Account name *').fill(name);
  await page.getByLabel('Email *').fill(`${name}@customer.example`);
  await page.getByLabel('Password *').fill('weak');
  await page.getByLabel('Password *').press('Tab');
  await expect(page.locator('#field-account_password-error')).toContainText('at least 8');
  await page.getByLabel('Password *').fill('Str0ng!pass');
  await page.getByLabel('Language').fill('de');
  await form.getByRole('button', { name: 'Clone', exact: true }).click();

  const result = page.locator('[data-test="cloned-child"]');
  await expect(result).toContainText(`${name} has id`);
  await expect(page.locator('[data-test="child-api-key"]')).toBeVisible();
  const copied = page.locator('[data-test="copied"]');
  await expect(copied.getByRole('rowheader', { name: 'Applications', exact: true })).toBeVisible();
  await expect(copied.getByRole('rowheader', { name: 'Users', exact: true })).toBeVisible();
  await screenshot(page, 'clone-result');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'clone-result');
  await page.setViewportSize({ width: 1280, height: 800 });
  const made = await sandboxCall(request, 'GetChildrenAccounts', { child_account_name: name });
  expect(made.result).toHaveLength(1);
  expect(made.result[0].language_code).toBe('de');
});

test('a double click on "Create child account" makes one account and no error', async ({ page, request }) => {
  const name = `dc-${Date.now().toString(36)}`.slice(0, 20);
  await signIn(page, 'reseller');
  await gotoHydrated(page, '/children/new');
  const form = page.locator('[data-test="new-child-form"]');
  await page.getByLabel('Account name *').fill(name);
  await page.getByLabel('Email *').fill(`${name}@customer.example`);
  await page.getByLabel('Password *').fill('Str0ng!pass');
  await page.getByLabel('Language').fill('fr');
  await page.getByLabel('Custom data').fill('crm=42');
  await form.getByRole('button', { name: 'Create child account' }).dblclick();
  await expect(page.locator('[data-test="created-child"]')).toContainText(`${name} has id`);
  await expect(page.locator('[data-test="form-error"]')).toHaveCount(0);
  const made = await sandboxCall(request, 'GetChildrenAccounts', { child_account_name: name });
  expect(made.result).toHaveLength(1);
  expect(made.result[0].language_code).toBe('fr');
  expect(made.result[0].account_custom_data).toBe('crm=42');
});

test('the auditor sees the bulk jobs and their chunks, and cannot select', async ({ page }) => {
  await signIn(page, 'auditor');
  await gotoHydrated(page, '/children');
  await expect(page.locator('[data-test="child-row"]').first()).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'Select all on this page' })).toHaveCount(0);
  await gotoHydrated(page, '/audit?action=child_account.bulk');
  const rows = page.locator('table tbody tr');
  await expect(rows.filter({ hasText: 'child_account.bulk.deactivate' }).first()).toBeVisible();
  await expect(rows.filter({ hasText: 'child_account.bulk.activate' }).first()).toBeVisible();
  await expect(rows.filter({ hasText: 'child_account.bulk.chunk' }).first()).toBeVisible();
});
