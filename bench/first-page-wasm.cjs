// The WASM a browser downloads for a page of the running portal:
// `node bench/first-page-wasm.cjs BASE_URL PATH DIR` saves each WASM response's body in
// DIR — the entry module, and each batch of pieces (`pkg/pieces?23,split_…`, see
// server/src/pieces.rs) as one file, as it travelled — and prints their names, one a
// line (bench/run.sh sizes them with gzip -9, like every other row). Needs end2end/'s
// Playwright (NODE_PATH=end2end/node_modules).
const { chromium } = require('playwright');
const fs = require('node:fs');
const path = require('node:path');

(async () => {
  const [base, page_path, dir] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  const saved = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    const batch = url.pathname.endsWith('/pkg/pieces');
    if (!url.pathname.endsWith('.wasm') && !batch) return;
    const name = batch ? `pieces-${saved.length}.bin` : path.basename(url.pathname);
    saved.push(response.body().then((body) => fs.writeFileSync(path.join(dir, name), body)).then(() => name));
  });
  await page.goto(base + page_path);
  await page.locator('#app[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 30000 });
  await page.waitForLoadState('networkidle');
  for (const name of (await Promise.all(saved)).sort()) console.log(name);
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
