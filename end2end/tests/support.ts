import { expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';

export type RoleName = 'admin' | 'reseller' | 'support' | 'auditor';

/** The demo users `voxdesk serve --demo` printed at start (scripts/test.sh collects them). */
export function demoUser(role: RoleName): { username: string; password: string } {
  const file = process.env.DEMO_USERS_FILE;
  if (!file) throw new Error('DEMO_USERS_FILE is not set: run the browser tests through `make test`');
  const users = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!users[role]) throw new Error(`no demo ${role} in ${file}`);
  return users[role];
}

/** Every browser test waits for this: a broken WASM still leaves a readable page. */
export async function gotoHydrated(page: Page, path: string) {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // A Content-Security-Policy violation is a console error, not a page error.
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(message.text());
  });
  const response = await page.goto(path);
  await expect(page.locator('#app[data-hydrated="true"]')).toBeAttached();
  return { response, errors };
}

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, role: RoleName) {
  const user = demoUser(role);
  const result = await gotoHydrated(page, '/login');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('navigation', { name: 'Primary' })).toBeVisible();
  return result;
}
