"""The official Python client (voximplant-apiclient, unmodified) against the sandbox.

usage: python_client_test.py HOST:PORT CREDENTIALS_JSON CHILD_ID
REQUESTS_CA_BUNDLE must name the sandbox's certificate. Calls every Accounts
method the client implements and checks the answers are well formed.
"""
import sys
import traceback

from voximplant.apiclient import VoximplantAPI

endpoint, credentials, child_id = sys.argv[1], sys.argv[2], int(sys.argv[3])
api = VoximplantAPI(credentials, endpoint=endpoint)
passed, failed = 0, 0


def check(name, call, expect):
    global passed, failed
    try:
        response = call()
        assert "error" not in response, response
        expect(response)
        passed += 1
        print(f"  ok    {name}")
    except Exception:  # noqa: BLE001 - report every failure and go on
        failed += 1
        print(f"  FAIL  {name}")
        traceback.print_exc()


check("GetAccountInfo", lambda: api.get_account_info(),
      lambda r: r["result"]["account_id"] > 0 and r["result"]["created"].tzinfo is not None)
check("SetAccountInfo", lambda: api.set_account_info(account_first_name="Python", news_notifications=True),
      lambda r: r["result"] == 1)
check("GetAccountInfo sees the change", lambda: api.get_account_info(),
      lambda r: r["result"]["account_first_name"] == "Python" and r["result"]["news_notifications"] is True)
check("SetChildAccountInfo", lambda: api.set_child_account_info(child_account_id=child_id, tariff_changing_notifications=False),
      lambda r: r["result"] == 1)
check("GetChildrenAccounts", lambda: api.get_children_accounts(count=5, order_by="child_account_id"),
      lambda r: r["count"] == 5 and r["total_count"] >= 5 and len(r["result"]) == 5)
check("GetCurrencyRate", lambda: api.get_currency_rate(currency="EUR;USD"),
      lambda r: r["result"]["USD"] == 1 and r["result"]["EUR"] > 0)
check("GetResourcePrice", lambda: api.get_resource_price(resource_type="PSTNOUT"),
      lambda r: r["result"][0]["resource_type"] == "PSTNOUT" and r["result"][0]["price_groups"])
check("GetSubscriptionPrice", lambda: api.get_subscription_price(subscription_template_type="PHONE_NUM"),
      lambda r: all(t["subscription_template_type"] == "PHONE_NUM" for t in r["result"]))
check("GetMoneyAmountToCharge", lambda: api.get_money_amount_to_charge(currency="USD"),
      lambda r: r["result"]["amount"] >= r["result"]["min_amount"])
check("GetAccountPlans", lambda: api.get_account_plans(),
      lambda r: r["result"][0]["plan_type"] in ("IM", "MAU") and r["result"][0]["next_charge"] is not None)
check("GetAvailablePlans", lambda: api.get_available_plans(plan_type="IM"),
      lambda r: all(p["plan_type"] == "IM" for p in r["result"]))
check("ChangeAccountPlan", lambda: api.change_account_plan(plan_subscription_template_id=187, plan_type="IM"),
      lambda r: r["result"] == 1 and r["account_info"]["balance"] > 0)
check("GetAccountDocuments", lambda: api.get_account_documents(children_verifications_only=True, with_details=True),
      lambda r: len(r["result"]) > 0 and "verifications" in r["result"][0])

print(f"python-client: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
