// Which WASM files a browser loads for a page of the running portal, and their
// sizes gzip -9: `node bench/first-page-wasm.cjs BASE_URL PATH SITE_PKG_DIR`.
// Prints one line per file, then `total <raw> <gzip>`. Needs end2end/'s Playwright
// (NODE_PATH=end2end/node_modules).
const { chromium } = require('playwright');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

(async () => {
  const [base, page_path, pkg] = process.argv.slice(2);
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
  let raw = 0, gz = 0;
  for (const name of [...loaded].sort()) {
    const bytes = fs.readFileSync(path.join(pkg, name));
    const zipped = zlib.gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length; gz += zipped;
    console.log(`${name} ${bytes.length} ${zipped}`);
  }
  console.log(`total ${raw} ${gz}`);
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
