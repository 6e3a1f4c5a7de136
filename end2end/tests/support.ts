import { expect, type APIRequestContext, type Page } from '@playwright/test';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

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

/** The WASM files a response brought: a `.wasm` file itself, or each piece a batch
 *  (`pkg/pieces?23,split_…`, server/src/pieces.rs) names — a number is `chunk_N.wasm`. */
export function wasmFilesIn(url: string): string[] {
  const { pathname, search } = new URL(url);
  const name = pathname.split('/').pop() ?? '';
  if (name.endsWith('.wasm')) return [name];
  if (name !== 'pieces' || !pathname.includes('/pkg/')) return [];
  return search.slice(1).split(',').map((piece) => (/^\d+$/.test(piece) ? `chunk_${piece}.wasm` : `${piece}.wasm`));
}

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, role: RoleName) {
  return signInWith(page, demoUser(role));
}

/** Signs `user` in through the login form. */
export async function signInWith(page: Page, user: { username: string; password: string }) {
  const result = await gotoHydrated(page, '/login');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('navigation', { name: 'Primary' })).toBeVisible();
  return result;
}

/** As the admin signed in on `page`, adds a person with `role` on the Admin page and
 * answers their name and the password Voxdesk generated for them. */
export async function addPerson(page: Page, role: RoleName, displayName = 'End To End') {
  await gotoHydrated(page, '/admin');
  await page.getByText('Add a person').click();
  const username = `e2e-${Date.now()}`;
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Name', { exact: true }).fill(displayName);
  await page.getByLabel('Email').fill(`${username}@voxdesk.example`);
  await page.getByLabel('Role', { exact: true }).selectOption(role);
  await page.getByRole('button', { name: 'Add person' }).click();
  const password = (await page.locator('[data-test="generated-password"]').textContent()) ?? '';
  expect(password).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4})+$/);
  await expect(page.locator(`[data-test="user-${username}"]`)).toContainText(displayName);
  return { username, password };
}

/** Calls the demo sandbox directly as its parent account (a service-account JWT, as
 * Voximplant's own clients sign it), to check what the portal really did there. */
export async function sandboxCall(request: APIRequestContext, method: string, params: Record<string, string>) {
  const url = process.env.SANDBOX_URL;
  const file = process.env.SANDBOX_CREDENTIALS_FILE;
  if (!url || !file) throw new Error('SANDBOX_URL and SANDBOX_CREDENTIALS_FILE are set by make test');
  const credentials = JSON.parse(fs.readFileSync(file, 'utf8'));
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid: credentials.key_id })}.${encode({ iss: credentials.account_id, iat: now, exp: now + 600 })}`;
  const signature = crypto.createSign('RSA-SHA256').update(unsigned).sign(credentials.private_key).toString('base64url');
  const response = await request.post(`${url}${method}`, { form: params, headers: { Authorization: `Bearer ${unsigned}.${signature}` } });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body;
}

/** The child account `id` as the sandbox has it now. */
export async function sandboxChild(request: APIRequestContext, id: string | number) {
  const body = await sandboxCall(request, 'GetChildrenAccounts', { child_account_id: String(id) });
  return body.result[0];
}

/** Saves a screenshot for people to look at (end2end/artifacts), at the viewport's
 * current width, and checks the page does not scroll sideways. A dialog is shot as
 * the screen shows it (`{ screen: true }`): a whole-page shot would show its backdrop
 * ending where the screen ends. */
export async function screenshot(page: Page, name: string, { screen = false } = {}) {
  const width = page.viewportSize()?.width ?? 0;
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} at ${width} px: no horizontal scrolling`).toBeLessThanOrEqual(0);
  const dir = path.join(__dirname, '..', 'artifacts');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}-${width}.png`), fullPage: !screen });
}
