// The official Node client (@voximplant/apiclient-nodejs, unmodified) against the
// sandbox. usage: node client_test.js HOST:PORT CREDENTIALS_JSON CHILD_ID
// NODE_EXTRA_CA_CERTS must name the sandbox's certificate.
const VoximplantApiClient = require('@voximplant/apiclient-nodejs').default;

const [host, credentials, childId] = process.argv.slice(2);
const client = new VoximplantApiClient(credentials, host);
let passed = 0;
let failed = 0;

async function check(name, call, expect) {
  try {
    const response = await call();
    if (response.error) throw new Error(JSON.stringify(response.error));
    if (!expect(response)) throw new Error('unexpected answer: ' + JSON.stringify(response).slice(0, 500));
    passed += 1;
    console.log(`  ok    ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`  FAIL  ${name}: ${error.message}`);
  }
}

client.onReady = async (api) => {
  const A = api.Accounts;
  await check('GetAccountInfo', () => A.getAccountInfo({}), (r) => r.result.accountId > 0 && r.result.accountName);
  await check('SetAccountInfo', () => A.setAccountInfo({ accountLastName: 'Node', accountNotifications: true }), (r) => r.result === 1);
  await check('GetAccountInfo sees the change', () => A.getAccountInfo({}), (r) => r.result.accountLastName === 'Node');
  await check('SetChildAccountInfo', () => A.setChildAccountInfo({ childAccountId: [Number(childId)], newsNotifications: true }), (r) => r.result === 1);
  await check('GetChildrenAccounts', () => A.getChildrenAccounts({ count: 3, offset: 2 }), (r) => r.count === 3 && r.totalCount > 3);
  await check('GetCurrencyRate', () => A.getCurrencyRate({ currency: 'RUR;EUR', date: new Date('2026-05-20T12:00:00Z') }), (r) => r.result.RUR > 0 && r.result.EUR > 0);
  await check('GetResourcePrice', () => A.getResourcePrice({ resourceParam: '442071234567' }), (r) => r.result.length > 0);
  await check('GetSubscriptionPrice', () => A.getSubscriptionPrice({ count: 2 }), (r) => r.result.length === 2);
  await check('GetMoneyAmountToCharge', () => A.getMoneyAmountToCharge({ chargeDate: new Date('2027-12-31T00:00:00Z') }), (r) => r.result.amount >= r.result.minAmount);
  await check('GetAccountPlans', () => A.getAccountPlans({ planType: 'IM' }), (r) => r.result.every((p) => p.planType === 'IM'));
  await check('GetAvailablePlans', () => A.getAvailablePlans({}), (r) => Array.isArray(r.result));
  await check('ChangeAccountPlan', () => A.changeAccountPlan({ planType: 'MAU', planSubscriptionTemplateId: 302 }), (r) => r.result === 1);
  await check('GetAccountDocuments', () => A.getAccountDocuments({ childAccountId: [Number(childId)], withDetails: true }), (r) => r.result.length === 1);
  console.log(`node-client: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
};
