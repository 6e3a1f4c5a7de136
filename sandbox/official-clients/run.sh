#!/usr/bin/env bash
# The official Python and Node Voximplant clients, unmodified, against the sandbox.
# usage: sandbox/official-clients/run.sh PATH_TO_VOXDESK_BINARY
# Installs the clients from PyPI and npm on first use. They only speak https, so a
# TLS listener with a freshly generated certificate stands in front of the sandbox.
# Prints "official-clients: N passed, M failed" last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
voxdesk="${1:?path to the voxdesk binary}"

work="$(mktemp -d "${TMPDIR:-/tmp}/voxdesk-official.XXXXXX")"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Clients, installed once (pinned versions).
if [ ! -x "$here/.venv/bin/python" ] || ! "$here/.venv/bin/python" -c 'import voximplant.apiclient' 2>/dev/null; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install --quiet --disable-pip-version-check voximplant-apiclient==2.12.0
fi
if [ ! -d "$here/node/node_modules/@voximplant/apiclient-nodejs" ]; then
  (cd "$here/node" && npm install --no-audit --no-fund --loglevel=error)
fi

# The sandbox, with a fresh service-account key, behind TLS.
sandbox_port="$(free_port)"; tls_port="$(free_port)"
VOXDESK_LOG_FORMAT=json "$voxdesk" sandbox --listen "127.0.0.1:$sandbox_port" --seed-children 12 \
  --credentials-out "$work/credentials.json" >"$work/sandbox.out" 2>"$work/sandbox.log" &
pids+=($!)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
python3 "$here/tls_proxy.py" "$tls_port" "$sandbox_port" "$work/cert.pem" "$work/key.pem" >"$work/proxy.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  grep -q ready "$work/proxy.out" 2>/dev/null && [ -s "$work/credentials.json" ] && break
  sleep 0.1
done
[ -s "$work/credentials.json" ] || { cat "$work/sandbox.log" >&2; echo "the sandbox did not start" >&2; exit 1; }

# A child to edit: the first seeded one.
child_id="$(( $(awk '/parent account_id:/ { print $3 }' "$work/sandbox.out") + 1 ))"

status=0
echo "== official Python client (voximplant-apiclient 2.12.0)"
REQUESTS_CA_BUNDLE="$work/cert.pem" "$here/.venv/bin/python" "$here/python_client_test.py" \
  "127.0.0.1:$tls_port" "$work/credentials.json" "$child_id" | tee "$work/python.out" || status=1
echo "== official Node client (@voximplant/apiclient-nodejs 4.11.0)"
(cd "$here/node" && NODE_EXTRA_CA_CERTS="$work/cert.pem" node client_test.js \
  "127.0.0.1:$tls_port" "$work/credentials.json" "$child_id") | tee "$work/node.out" || status=1

count() { awk -v suite="$1:" '$1 == suite { print $2, $4 }' "$work/$2.out"; }
read -r py_passed py_failed < <(count python-client python || echo "0 1")
read -r node_passed node_failed < <(count node-client node || echo "0 1")
py_passed=${py_passed:-0}; py_failed=${py_failed:-1}; node_passed=${node_passed:-0}; node_failed=${node_failed:-1}
echo "official-clients: $((py_passed + node_passed)) passed, $((py_failed + node_failed)) failed"
[ "$status" -eq 0 ] && [ $((py_failed + node_failed)) -eq 0 ]
