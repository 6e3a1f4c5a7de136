"""`make load`'s report and its check that nothing was lost.

Arguments: WORK SECONDS PEAK_RSS_KB SANDBOX_STATE VERIFY_OUTPUT; /metrics on stdin.
Reads every wrk's JSON line (WORK/wrk-*.out), the audit log's JSON Lines export
(WORK/audit.jsonl) and the sandbox's own state file, and prints:
  - per kind: requests/s, p50/p95/p99, non-2xx answers, socket errors;
  - the server's peak RSS and its database pool;
  - differences: an intent without exactly one outcome; a child the log says was
    created (or not) that the sandbox has not (or has); a child whose language in the
    sandbox is not what the last successful edit on record set, or whose active flag
    is not what the last successful bulk chunk set.
Exits 1 on any error answer or difference.
"""
import glob
import json
import re
import sys

work, seconds, state_file, verify = sys.argv[1], float(sys.argv[2]), sys.argv[4], sys.argv[5]
rss_kb = [int(kb) for kb in sys.argv[3].split(",")]
# /metrics of each instance, each after a "# instance N" line.
instances = [block for block in re.split(r"^# instance \d+$", sys.stdin.read(), flags=re.M) if block.strip()]
problems = []

rows = []
for path in sorted(glob.glob(f"{work}/wrk-*.out")):
    text = open(path).read()
    found = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    if not found:
        problems.append(f"{path}: wrk printed no result: {text[-300:]}")
        continue
    rows.append(found[-1])
kinds = {}
for row in rows:  # several wrk of one kind (the edits): summed, latency of the worst
    kind = kinds.setdefault(row["kind"], {"requests": 0, "non_2xx": 0, "socket_errors": 0, "p50_ms": 0, "p95_ms": 0, "p99_ms": 0})
    for key in ("requests", "non_2xx", "socket_errors"):
        kind[key] += row[key]
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        kind[key] = max(kind[key], row[key])

print()
print(f"| kind | requests/s | p50 ms | p95 ms | p99 ms | non-2xx | socket errors |")
print(f"| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
total = 0
for name in ("dashboard", "list", "child", "audit", "edit", "create", "bulk"):
    kind = kinds.get(name)
    if not kind:
        problems.append(f"no result for {name}")
        continue
    total += kind["requests"]
    print(f"| {name} | {kind['requests'] / seconds:.0f} | {kind['p50_ms']:.1f} | {kind['p95_ms']:.1f} | {kind['p99_ms']:.1f} | {kind['non_2xx']} | {kind['socket_errors']} |")
    if kind["non_2xx"] or kind["socket_errors"]:
        problems.append(f"{name}: {kind['non_2xx']} error answers, {kind['socket_errors']} socket errors")
print(f"| all | {total / seconds:.0f} | | | | | |")

def metric(metrics, name):
    match = re.search(r"^" + re.escape(name) + r" (\S+)$", metrics, re.M)
    return match.group(1) if match else "?"
def requests_served(metrics):
    return sum(float(v) for v in re.findall(r"^voxdesk_http_requests_total\{[^}]*\} (\S+)$", metrics, re.M))
print()
served = [requests_served(m) for m in instances]
for number, (metrics, kb) in enumerate(zip(instances, rss_kb), start=1):
    name = f"instance {number}" if len(instances) > 1 else "server"
    in_use = metric(metrics, 'voxdesk_db_pool_connections{state="in_use"}')
    idle = metric(metrics, 'voxdesk_db_pool_connections{state="idle"}')
    limit = metric(metrics, "voxdesk_db_pool_max_connections")
    print(f"{name}: peak RSS {kb / 1024:.0f} MiB; database pool {in_use} in use, {idle} idle, limit {limit}; "
          f"{served[number - 1]:.0f} requests served")
if len(instances) > 1:
    low, high = min(served), max(served)
    print(f"requests per instance: {' / '.join(f'{s:.0f}' for s in served)} (round robin, no sticky sessions)")
    if low < 0.4 * (low + high):
        problems.append(f"the instances served unevenly: {served}")

# The audit log: every change has one intent and one outcome.
events = [json.loads(line) for line in open(f"{work}/audit.jsonl") if line.strip()]
changes = ("child_account.create", "child_account.update")
intents = {e["seq"]: e for e in events if e["kind"] == "intent"
           and (e["action"] in changes or e["action"].startswith("child_account.bulk."))}
outcomes = {}
for e in events:
    if e["kind"] == "outcome" and e["intent_seq"] in intents:
        outcomes.setdefault(e["intent_seq"], []).append(e)
for seq, intent in intents.items():
    if len(outcomes.get(seq, [])) != 1:
        problems.append(f"intent {seq} ({intent['action']}) has {len(outcomes.get(seq, []))} outcomes")
def ok(seq):
    return len(outcomes.get(seq, [])) == 1 and outcomes[seq][0]["outcome"] == "ok"
creates = [i for i in intents.values() if i["action"] == "child_account.create"]
edits = [i for i in intents.values() if i["action"] == "child_account.update"]
jobs = [i for i in intents.values() if i["action"] in ("child_account.bulk.activate", "child_account.bulk.deactivate")]
chunks = [i for i in intents.values() if i["action"] == "child_account.bulk.chunk"]
print(f"changes on record: {len(creates)} creates ({sum(ok(i['seq']) for i in creates)} ok), "
      f"{len(edits)} edits ({sum(ok(i['seq']) for i in edits)} ok), "
      f"{len(jobs)} bulk jobs ({sum(ok(i['seq']) for i in jobs)} ok) in {len(chunks)} chunks; "
      "every one has one intent and one outcome"
      if not any("outcomes" in p for p in problems) else "changes on record: some intents lack their outcome")
if "intact" not in verify:
    problems.append(f"the chain does not verify: {verify}")
else:
    print(f"chain: {verify.strip().splitlines()[-1]}")

# The sandbox's own state against the successful changes on record.
accounts = json.load(open(state_file))["state"]["accounts"]
in_sandbox = {}
for account in accounts.values():
    if account["name"].startswith("load-"):
        in_sandbox[account["name"]] = in_sandbox.get(account["name"], 0) + 1
created = {json.loads(i["params"])["account_name"] for i in creates if ok(i["seq"])}
for name, count in in_sandbox.items():
    if name not in created:
        problems.append(f"the sandbox has {name}, but no successful create of it is on record")
    if count != 1:
        problems.append(f"the sandbox has {count} accounts named {name}")
for name in created - set(in_sandbox):
    problems.append(f"{name} was created on record, but the sandbox does not have it")
last_language = {}
for intent in sorted(edits, key=lambda i: i["seq"]):
    if ok(intent["seq"]):
        params = json.loads(intent["params"])
        if "language_code" in params.get("set", {}):
            last_language[params["child_account_id"]] = params["set"]["language_code"]
for child, language in last_language.items():
    actual = accounts[str(child)]["language_code"]
    if actual != language:
        problems.append(f"child {child}: the sandbox says {actual}, the last successful edit set {language}")
last_active = {}
for chunk in sorted(chunks, key=lambda i: i["seq"]):
    if ok(chunk["seq"]):
        params = json.loads(chunk["params"])
        for child in params["child_account_ids"]:
            last_active[child] = params["set"]["active"]
for child, active in last_active.items():
    actual = accounts[str(child)]["active"]
    if actual != active:
        problems.append(f"child {child}: the sandbox says active={actual}, the last successful bulk chunk set {active}")
print(f"sandbox: {len(in_sandbox)} load- children, {len(last_language)} edited and {len(last_active)} bulk-changed children checked")

print()
if problems:
    print(f"{len(problems)} problem(s):")
    for problem in problems[:50]:
        print(f"  - {problem}")
    sys.exit(1)
print("nothing lost: the audit log, the chain and the sandbox agree")
