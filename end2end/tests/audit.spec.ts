import { test, expect } from '@playwright/test';
import { demoUser, gotoHydrated, signIn } from './support';

test('an auditor filters by person and action, opens an event, and the CSV holds the rows on screen', async ({ page }) => {
  // Something to find: the admin signs in and out.
  await signIn(page, 'admin');
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  await signIn(page, 'auditor');
  const { errors } = await gotoHydrated(page, '/audit');
  await page.getByLabel('Person').fill(demoUser('admin').username);
  await page.getByLabel('Action starts with').fill('user.');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/actor=demo-admin/);
  await expect(page).toHaveURL(/action=user\./);
  const rows = page.locator('[data-test="audit-row"]');
  await expect(rows.first()).toBeVisible();
  const onScreen = (await rows.locator('td:first-child').allTextContents()).map((s) => s.trim());
  expect(onScreen.length).toBeGreaterThanOrEqual(2); // a login and a logout
  for (const action of await rows.locator('td:nth-child(4)').allTextContents()) {
    expect(action.startsWith('user.')).toBe(true);
  }

  expect(errors, 'no script errors or Content-Security-Policy violations').toEqual([]);

  // The export carries exactly the filtered events, with their hashes.
  const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  const lines = (await csv.text()).trim().split('\n');
  expect(lines[0].split(',')).toContain('hash');
  const exported = lines.slice(1).map((line) => line.split(',')[0]);
  expect([...exported].sort()).toEqual([...onScreen].sort());

  // An event's details.
  await rows.first().getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Event ${onScreen[0]}`);
  await expect(page.getByText('demo-admin (admin)')).toBeVisible();

  // And the chain checks out.
  await gotoHydrated(page, '/audit');
  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(page.locator('[data-test="chain-result"]')).toContainText('Intact');
});

test('people without the audit permission cannot export', async ({ page }) => {
  await signIn(page, 'reseller');
  const csv = await page.request.get('/audit/export.csv');
  expect(csv.status()).toBe(403);
});
