import { expect, type Page } from '@playwright/test';

/** Every browser test waits for this: a broken WASM still leaves a readable page. */
export async function gotoHydrated(page: Page, path: string) {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const response = await page.goto(path);
  await expect(page.locator('#app[data-hydrated="true"]')).toBeAttached();
  return { response, errors };
}
