import { expect, test, type Page } from '@playwright/test';
import { gotoHydrated, sandboxCall, screenshot, signIn } from './support';

/** A date `days` from today, as YYYY-MM-DD: charges are listed "due by" it. */
function daysAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The charges page for a date far enough ahead that the parent's phones are due. */
const CHARGES = `/billing/charges?date=${daysAhead(62)}`;

async function balance(request: Parameters<typeof sandboxCall>[0]): Promise<number> {
  return Number((await sandboxCall(request, 'GetAccountInfo', {})).result.balance);
}

/** The first plan card that offers a larger plan, and that plan's name. */
async function upgradable(page: Page) {
  const card = page.locator('[data-test^="plan-type-"]').filter({ has: page.getByRole('button', { name: /^Change plan to / }) }).first();
  await expect(card).toBeVisible();
  const button = card.getByRole('button', { name: /^Change plan to / }).first();
  const name = ((await button.getAttribute('aria-label')) ?? '').replace('Change plan to ', '');
  return { card, button, name };
}

test('a reseller changes a plan after a dialog that states the fee; the sandbox has it and the fee is reserved', async ({ page, request }) => {
  await signIn(page, 'reseller');
  const { errors } = await gotoHydrated(page, '/billing/plans');
  await expect(page.getByRole('heading', { level: 1, name: 'Billing' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Billing' }).getByRole('link', { name: 'Plans' })).toHaveAttribute('aria-current', 'page');
  // The current plan's packages are bars with their words.
  await expect(page.locator('[data-test="package-left"]').first()).toContainText(' left');
  const { button, name } = await upgradable(page);
  const available = (await sandboxCall(request, 'GetAvailablePlans', {})).result;
  const target = available.find((plan: any) => plan.plan_name === name);
  const before = await balance(request);
  await button.click();
  const dialog = page.getByRole('dialog', { name: `Change your ${target.plan_type} plan to ${name}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('[data-test="plan-dialog-fee"]')).toContainText(`${Number(target.periodic_charge).toFixed(2)} USD`);
  await expect(dialog).toContainText('Plans only go up');
  await dialog.getByRole('button', { name: 'Change plan' }).click();
  await expect(page.locator('[data-test="plan-outcome"]')).toContainText(`plan is now ${name}`);

  const plans = (await sandboxCall(request, 'GetAccountPlans', { plan_type: target.plan_type })).result;
  expect(plans[0].plan_subscription_template_id).toBe(target.plan_subscription_template_id);
  expect(before - (await balance(request))).toBeCloseTo(Number(target.periodic_charge), 6);
  expect(errors).toEqual([]);
});

test('a reseller charges one phone and the balance drops by its price', async ({ page, request }) => {
  await signIn(page, 'reseller');
  const { errors } = await gotoHydrated(page, CHARGES);
  const due = (await sandboxCall(request, 'GetMoneyAmountToCharge', { charge_date: daysAhead(62) })).result;
  const phone = due.subscriptions.find((s: any) => !s.subscription_auto_charge && s.subscription_type === 'PHONE_NUM');
  const price = Number(phone.subscription_amount);
  await page.getByLabel(`Charge ${phone.subscription_description}`).check();
  const before = await balance(request);
  await page.getByRole('button', { name: 'Charge…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Charge 1 phone subscription?' });
  await expect(dialog.locator('[data-test="charge-dialog-phones"]')).toContainText(`${phone.subscription_description}: ${price.toFixed(2)} USD`);
  await expect(dialog.locator('[data-test="charge-dialog-total"]')).toContainText('Balance');
  await dialog.getByRole('button', { name: 'Charge now' }).click();
  const result = page.locator('[data-test="charge-result"]');
  await expect(result).toContainText(`Charged ${price.toFixed(2)} USD`);
  await expect(result.getByRole('row', { name: new RegExp(phone.subscription_description) })).toContainText('Charged');
  expect(before - (await balance(request))).toBeCloseTo(price, 6);
  expect(errors).toEqual([]);
});

test('charging with nothing chosen says so at the choice, and nothing is sent', async ({ page, request }) => {
  await signIn(page, 'reseller');
  await gotoHydrated(page, CHARGES);
  const before = await balance(request);
  await page.getByRole('button', { name: 'Charge…' }).click();
  await expect(page.locator('#field-numbers-error')).toContainText('Tick at least one phone');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.getByLabel('Phones by id').check();
  await page.getByLabel('Phone ids').fill('12, twelve');
  await page.getByRole('button', { name: 'Charge…' }).click();
  await expect(page.locator('#field-ids-error')).toContainText('"twelve" is not a phone id');
  expect(await balance(request)).toBe(before);
});

test('a price is looked up by phone number, with the age of the answer', async ({ page, request }) => {
  await signIn(page, 'support');
  const { errors } = await gotoHydrated(page, '/billing/prices');
  await page.getByLabel('Calls to phones (PSTNOUT)').check();
  await page.getByLabel('Phone number or other resource parameter').fill('+44 20 7946 0000');
  await page.getByRole('button', { name: 'Search prices' }).click();
  await expect(page).toHaveURL(/param=%2B44/);
  const expected = (await sandboxCall(request, 'GetResourcePrice', { resource_type: 'PSTNOUT', resource_param: '442079460000' })).result[0].price_groups[0];
  const row = page.locator('[data-test="price-row"]');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(expected.price_group_name);
  await expect(row.locator('[data-test="price"]')).toContainText(`per ${expected.num_resources_per_price}`);
  await expect(page.locator('[data-test="prices-age"]')).toContainText('Read from Voximplant at');
  // Too long a parameter: refused next to the field, nothing asked.
  await page.getByLabel('Phone number or other resource parameter').fill('7'.repeat(40));
  await page.getByRole('button', { name: 'Search prices' }).click();
  await expect(page.locator('#f-param-error')).toContainText('too long');
  await expect(page.locator('[data-test="subscription-table"]')).toBeVisible();
  expect(errors).toEqual([]);
});

test('100 EUR converts to USD at the sandbox rate for the chosen date', async ({ page, request }) => {
  await signIn(page, 'auditor');
  const { errors } = await gotoHydrated(page, '/billing/rates');
  await page.getByLabel('On', { exact: true }).fill('2026-06-15');
  await page.getByRole('button', { name: 'Show rates' }).click();
  await expect(page).toHaveURL(/date=2026-06-15/);
  const rate = Number((await sandboxCall(request, 'GetCurrencyRate', { currency: 'EUR', date: '2026-06-15' })).result.EUR);
  await expect(page.locator('[data-test="rate-EUR"]')).toContainText(`${rate} EUR`);
  await page.getByLabel('Amount', { exact: true }).fill('100');
  await page.getByLabel('From', { exact: true }).selectOption('EUR');
  await page.getByLabel('To', { exact: true }).selectOption('USD');
  await expect(page.locator('[data-test="converted"]')).toHaveText(`100.00 EUR = ${(100 / rate).toFixed(2)} USD`);
  // A date before 2000 is refused next to the field.
  await page.getByLabel('On', { exact: true }).fill('1999-12-31');
  await page.getByRole('button', { name: 'Show rates' }).click();
  await expect(page.locator('#f-rate-date-error')).toContainText('2000 or later');
  expect(errors).toEqual([]);
});

for (const role of ['support', 'auditor'] as const) {
  test(`${role} reads billing without change or charge controls, and the server refuses both`, async ({ page, request }) => {
    await signIn(page, role);
    const { errors } = await gotoHydrated(page, '/billing/plans');
    await expect(page.locator('[data-test="current-plan"]').first()).toBeVisible();
    await expect(page.getByRole('button', { name: /^Change plan/ })).toHaveCount(0);
    await gotoHydrated(page, CHARGES);
    await expect(page.locator('[data-test="due-table"]')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Charge…' })).toHaveCount(0);
    const before = await balance(request);
    const plan = await page.request.post('/api/billing/change-plan', { form: { 'choice[plan_type]': 'MAU', 'choice[template_id]': '302' } });
    expect(plan.status()).toBe(403);
    const charge = await page.request.post('/api/billing/charge', { form: { 'order[mode]': 'all', key: '0123456789abcdef0123456789abcdef' } });
    expect(charge.status()).toBe(403);
    expect(await balance(request)).toBe(before);
    expect(errors).toEqual([]);
  });
}

test('the auditor sees the plan change and the charge in the audit log', async ({ page }) => {
  await signIn(page, 'auditor');
  for (const action of ['billing.change_plan', 'billing.charge']) {
    await gotoHydrated(page, `/audit?action=${action}`);
    await expect(page.locator('table tbody tr').filter({ hasText: action }).first()).toBeVisible();
  }
});

for (const width of [1280, 390]) {
  test(`billing pages fit at ${width} px: plans and the change dialog, a charge's result, prices, rates`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await signIn(page, 'admin');
    await gotoHydrated(page, '/billing/plans');
    await expect(page.locator('[data-test="current-plan"]').first()).toBeVisible();
    await screenshot(page, 'billing-plans');
    const { button } = await upgradable(page);
    await button.click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await screenshot(page, 'billing-change-dialog', { screen: true });
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    await gotoHydrated(page, CHARGES);
    await page.locator('[data-test="due-table"] input[type="checkbox"]').first().check();
    await page.getByRole('button', { name: 'Charge…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Charge now' }).click();
    await expect(page.locator('[data-test="charge-result"]')).toBeVisible();
    await screenshot(page, 'billing-charges');

    await gotoHydrated(page, '/billing/prices?type=PSTNOUT');
    await expect(page.locator('[data-test="price-table"]')).toBeVisible();
    await screenshot(page, 'billing-prices');
    await gotoHydrated(page, '/billing/rates');
    await expect(page.locator('[data-test="converted"]')).toContainText('=');
    await screenshot(page, 'billing-rates');
  });
}
