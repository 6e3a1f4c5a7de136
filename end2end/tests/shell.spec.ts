import { test, expect } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gotoHydrated, signIn, wasmFilesIn } from './support';

const sections = [
  { label: 'Dashboard', href: '/', heading: 'Dashboard' },
  { label: 'Parent account', href: '/account', heading: 'Account profile' },
  { label: 'Child accounts', href: '/children', heading: 'Child accounts' },
  { label: 'Billing', href: '/billing', heading: 'Billing' },
  { label: 'Audit log', href: '/audit', heading: 'Audit log' },
  { label: 'Admin', href: '/admin', heading: 'Admin' },
];

test('home page loads, hydrates and shows the navigation', async ({ page }) => {
  await signIn(page, 'admin');
  const { response, errors } = await gotoHydrated(page, '/');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Dashboard · Voxdesk');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Primary' });
  for (const section of sections) {
    await expect(nav.getByRole('link', { name: section.label })).toBeVisible();
  }
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');
  expect(errors).toEqual([]);
});

test('navigation works client-side, without reloading the page', async ({ page }) => {
  await signIn(page, 'admin');
  const { errors } = await gotoHydrated(page, '/');
  // A full page load would wipe this marker; client-side routing keeps it.
  await page.evaluate(() => ((window as any).__sameDocument = true));
  const nav = page.getByRole('navigation', { name: 'Primary' });
  for (const section of [...sections.slice(1), sections[0]]) {
    await nav.getByRole('link', { name: section.label }).click();
    await expect(page).toHaveURL(section.href);
    await expect(page.getByRole('heading', { level: 1, name: section.heading })).toBeVisible();
    await expect(nav.getByRole('link', { name: section.label })).toHaveAttribute('aria-current', 'page');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  }
  expect(errors).toEqual([]);
});

test('the login page loads the WASM of no other page, and the next page brings its own', async ({ page }) => {
  const pages: string[] = [];
  page.on('response', (response) => {
    for (const name of wasmFilesIn(response.url())) {
      // A page's own piece is named after its route view: split___dashboard_page_view_view_….wasm
      const piece = name.match(/^split___(\w+?)_page_view_view_\d+\.wasm$/);
      if (piece) pages.push(piece[1]);
    }
  });
  await gotoHydrated(page, '/login');
  expect(pages).toEqual(['login']);
  await signIn(page, 'admin');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  expect(pages).toContain('dashboard');
  expect(pages).not.toContain('admin');
});

test('every response of a page is the same page: none lists WASM pieces to preload', async ({ page }) => {
  // Leptos listed the open page's pieces in 4 responses out of 10 (a race in how it
  // looked them up); a page now never carries them and loads them as it hydrates.
  // Leptos writes a link's attributes in any order (href before rel, as it happens).
  const preloadedPieces = (html: string) =>
    (html.match(/<link[^>]*>/g) ?? []).filter((link) => link.includes('rel="preload"') && /\/pkg\/(chunk_|split_)/.test(link)).length;
  for (let attempt = 0; attempt < 15; attempt += 1) {
    const response = await page.request.get('/login');
    expect(response.status()).toBe(200);
    expect(preloadedPieces(await response.text())).toBe(0);
  }
  await signIn(page, 'admin');
  for (let attempt = 0; attempt < 15; attempt += 1) {
    const response = await page.request.get('/children?size=50');
    expect(response.status()).toBe(200);
    const html = await response.text();
    expect(html).toContain('Child accounts');
    expect(preloadedPieces(html)).toBe(0);
  }
  const { errors } = await gotoHydrated(page, '/children');
  await expect(page.getByRole('heading', { level: 1, name: 'Child accounts' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a page\'s WASM pieces arrive in one request, and a returning visitor fetches none again', async ({ page }) => {
  await signIn(page, 'reseller');
  const requests: string[] = [];
  page.on('request', (request) => {
    if (wasmFilesIn(request.url()).length > 0) requests.push(request.url());
  });
  await gotoHydrated(page, '/');
  // The entry module, then the dashboard's and the navigation's ~250 pieces in one
  // batch: one request each (Chromium spends ~1.5 ms a request, even from its cache).
  const files = requests.flatMap(wasmFilesIn);
  expect(requests.map((url) => new URL(url).pathname.split('/').pop())).toEqual(['voxdesk.wasm', 'pieces']);
  expect(files.filter((file) => file.startsWith('split___dashboard_page'))).toHaveLength(1);
  expect(files.filter((file) => file.startsWith('split_signed_in_navigation'))).toHaveLength(1);
  expect(files.length).toBeGreaterThan(20);
  // Both came from this build's own path, marked immutable.
  for (const url of requests) {
    expect(new URL(url).pathname).toMatch(/^\/assets\/[0-9a-f]{16}\/pkg\//);
    const answer = await page.request.get(url);
    expect(answer.status()).toBe(200);
    expect(answer.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    // A build's path that is not this one's answers nothing (no mixing of two builds).
    expect((await page.request.get(url.replace(/\/assets\/[0-9a-f]{16}\//, '/assets/0000000000000000/'))).status()).toBe(404);
  }

  // The next visit takes everything from the browser's cache: nothing transferred.
  const firstVisit = requests.length;
  await gotoHydrated(page, '/');
  const transferred = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((entry) => entry.name.endsWith('.wasm') || /\/pkg\/pieces\?/.test(entry.name))
      .map((entry) => [entry.name, (entry as PerformanceResourceTiming).transferSize]),
  );
  expect(transferred.length).toBe(firstVisit);
  expect(transferred.filter(([, size]) => size !== 0)).toEqual([]);
});

test('when the batch of pieces fails, the page loads them one by one and still works', async ({ page }) => {
  await signIn(page, 'reseller');
  await page.route(/\/pkg\/pieces\?/, (route) => route.fulfill({ status: 503, body: 'unavailable' }));
  const pieces: string[] = [];
  page.on('response', (response) => {
    if (/\/pkg\/(chunk_|split_)\w+\.wasm$/.test(response.url()) && response.status() === 200) pieces.push(response.url());
  });
  await gotoHydrated(page, '/children');
  expect(pieces.length).toBeGreaterThan(20);
  // Hydrated for real: client-side navigation answers.
  await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});

test('the dashboard reports the database through a server function', async ({ page }) => {
  await signIn(page, 'auditor');
  await gotoHydrated(page, '/children');
  // Arriving client-side makes the browser call /api/system/status itself.
  const statusCall = page.waitForResponse((r) => r.url().endsWith('/api/system/status'));
  await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Dashboard' }).click();
  expect((await statusCall).status()).toBe(200);
  await expect(page.locator('[data-test="database-status"]')).toContainText('Reachable');
});

test('/healthz reports the database', async ({ request }) => {
  const response = await request.get('/healthz');
  expect(response.status()).toBe(200);
  expect(response.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const body = await response.json();
  expect(body.status).toBe('ok');
  expect(body.database.reachable).toBe(true);
  expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
});

test('an unknown address shows a 404 page with a way back', async ({ page }) => {
  await signIn(page, 'support');
  const { response } = await gotoHydrated(page, '/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});

for (const width of [1280, 390]) {
  test(`home page fits and is saved as a screenshot at ${width} px`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height: 900 });
    await signIn(page, 'admin');
    await gotoHydrated(page, '/');
    await expect(page.locator('[data-test="database-status"]')).toContainText('Reachable');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, 'no horizontal scrolling').toBeLessThanOrEqual(0);
    const dir = path.join(__dirname, '..', 'artifacts');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `home-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    await testInfo.attach(`home-${width}`, { path: file, contentType: 'image/png' });
  });
}
