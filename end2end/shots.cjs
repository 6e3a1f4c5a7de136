const { chromium } = require('playwright');
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-quic','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run'] });
  const users = require('/tmp/e2e/demo-users.json');
  for (const width of [1280, 390]) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(process.argv[2] + '/login');
    await page.locator('#app[data-hydrated="true"]').waitFor({ state: 'attached' });
    await page.getByLabel('Username').fill(users.admin.username);
    await page.getByLabel('Password').fill(users.admin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(process.argv[2] + '/');
    for (const path of ['/admin', '/children/new']) {
      await page.goto(process.argv[2] + path);
      await page.locator('#app[data-hydrated="true"]').waitFor({ state: 'attached' });
      await page.waitForTimeout(500);
      await page.screenshot({ path: `/tmp/e2e/${path.replace(/\//g, '_')}-${width}.png`, fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      console.log(path, width, 'horizontal overflow', overflow);
    }
    if (width === 1280) {
      await page.goto(process.argv[2] + '/admin');
      await page.locator('#app[data-hydrated="true"]').waitFor({ state: 'attached' });
      await page.locator('[data-test="connection-Sandbox (demo)"]').getByRole('button', { name: 'Remove', exact: true }).click();
      await page.waitForTimeout(300);
      await page.screenshot({ path: `/tmp/e2e/dialog-${width}.png` });
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    }
    await page.close();
  }
  await browser.close();
})();
