// Which WASM files a browser loads for a page of the running portal:
// `node bench/first-page-wasm.cjs BASE_URL PATH` prints their names, one a line
// (bench/run.sh sizes them with gzip -9, like every other row). Needs end2end/'s
// Playwright (NODE_PATH=end2end/node_modules).
const { chromium } = require('playwright');
const path = require('node:path');

(async () => {
  const [base, page_path] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  const loaded = new Set();
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.endsWith('.wasm')) loaded.add(path.basename(url.pathname));
  });
  await page.goto(base + page_path);
  await page.locator('#app[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 30000 });
  await page.waitForLoadState('networkidle');
  for (const name of [...loaded].sort()) console.log(name);
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
