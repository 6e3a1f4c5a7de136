// Time to interactive of the dashboard: `node bench/dashboard-tti.cjs BASE_URL COOKIE`
// opens `/` signed in (COOKIE is `voxdesk_session=…`) seven times in headless
// Chromium on loopback and prints the median milliseconds from navigation to the
// hydration marker (the page answers clicks from then on). The first visit warms
// the browser's cache, as a returning user's would be.
const { chromium } = require('playwright');

(async () => {
  const [base, cookie] = process.argv.slice(2);
  const [name, value] = cookie.split(/=(.*)/s);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const context = await browser.newContext();
  await context.addCookies([{ name, value, url: base }]);
  const page = await context.newPage();
  const times = [];
  for (let run = 0; run < 8; run += 1) {
    const started = Date.now();
    await page.goto(base + '/');
    await page.locator('#app[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 30000 });
    if (run > 0) times.push(Date.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(times[Math.floor(times.length / 2)]);
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
