import { test, expect, type Browser, type Page } from '@playwright/test';
import { addPerson, gotoHydrated, screenshot, signIn, signInWith } from './support';

/** A fresh person (so changing their password disturbs no other test), signed in
 * twice: two browsers, as on a laptop and a phone. */
async function personOnTwoBrowsers(page: Page, browser: Browser) {
  await signIn(page, 'admin');
  const person = await addPerson(page, 'reseller', 'Pat Twice');
  const laptop = await (await browser.newContext()).newPage();
  const phone = await (await browser.newContext()).newPage();
  await signInWith(laptop, person);
  await signInWith(phone, person);
  return { person, laptop, phone };
}

async function sessionRows(page: Page) {
  return page.locator('[data-test="session-current"], [data-test="session-other"]');
}

test('change your password and see the other session end', async ({ page, browser }) => {
  const { person, laptop, phone } = await personOnTwoBrowsers(page, browser);
  // Your account is one click away, from your name.
  await laptop.getByRole('link', { name: 'Pat Twice' }).click();
  await expect(laptop).toHaveURL(/\/me$/);
  await expect(laptop.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await expect(laptop.locator('#app[data-hydrated="true"]')).toBeAttached();
  await expect(await sessionRows(laptop)).toHaveCount(2);
  await expect(laptop.locator('[data-test="session-current"]')).toContainText('This browser');

  const newPassword = 'lantern quiet orchard 58';
  const form = laptop.locator('[data-test="password-form"]');
  // The length rule shows as you type, tied to its field.
  await form.getByLabel('New password', { exact: true }).fill('too short');
  await expect(laptop.locator('#field-new_password-error')).toHaveText('Use at least 12 characters.');
  await expect(form.getByLabel('New password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  // A wrong current password is refused next to that field, and nothing changes.
  await form.getByLabel('Current password').fill('not my password at all');
  await form.getByLabel('New password', { exact: true }).fill(newPassword);
  await form.getByLabel('New password again').fill(newPassword);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(laptop.locator('#field-current_password-error')).toHaveText('This is not your current password.');
  // A common one is refused on the server.
  await form.getByLabel('Current password').fill(person.password);
  await form.getByLabel('New password', { exact: true }).fill('qwerty123456');
  await form.getByLabel('New password again').fill('qwerty123456');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(laptop.locator('#field-new_password-error')).toContainText('most common');

  await form.getByLabel('New password', { exact: true }).fill(newPassword);
  await form.getByLabel('New password again').fill(newPassword);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(laptop.locator('[data-test="password-changed"]')).toBeVisible();
  await expect(form.getByLabel('Current password')).toHaveValue('');
  await expect(await sessionRows(laptop)).toHaveCount(1);

  // The phone's session has ended: its next page is the login.
  await gotoHydrated(phone, '/me');
  await expect(phone).toHaveURL(/\/login$/);
  // The old password no longer works; the new one does.
  await phone.getByLabel('Username').fill(person.username);
  await phone.getByLabel('Password').fill(person.password);
  await phone.getByRole('button', { name: 'Log in' }).click();
  await expect(phone.locator('#login-error')).toContainText('incorrect');
  await signInWith(phone, { username: person.username, password: newPassword });
  // And the laptop is still signed in.
  await gotoHydrated(laptop, '/me');
  await expect(laptop.getByRole('heading', { name: 'Your account' })).toBeVisible();
});

test('sign out everywhere else, after saying how many sessions end', async ({ page, browser }) => {
  const { laptop, phone } = await personOnTwoBrowsers(page, browser);
  await gotoHydrated(laptop, '/me');
  await laptop.getByRole('button', { name: 'Sign out everywhere else' }).click();
  const dialog = laptop.getByRole('dialog', { name: 'Sign out everywhere else?' });
  await expect(dialog).toContainText('The 1 other session listed here ends now');
  await dialog.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await expect(laptop.getByText('Signed out of 1 other session.')).toBeVisible();
  await expect(await sessionRows(laptop)).toHaveCount(1);
  await expect(laptop.getByRole('button', { name: 'Sign out everywhere else' })).toBeDisabled();

  await gotoHydrated(phone, '/');
  await expect(phone).toHaveURL(/\/login$/);
  await gotoHydrated(laptop, '/');
  await expect(laptop.getByRole('navigation', { name: 'Primary' })).toBeVisible();
});

for (const width of [1280, 390]) {
  test(`your account fits at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await signIn(page, 'support');
    await gotoHydrated(page, '/me');
    await expect(page.getByRole('heading', { name: 'Where you are signed in' })).toBeVisible();
    await screenshot(page, 'me');
  });
}
