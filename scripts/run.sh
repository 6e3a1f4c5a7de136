#!/usr/bin/env bash
# `make run`: install what is missing, build the release site, serve the portal in
# demo mode (a user per role, the built-in Voximplant sandbox) with its private
# PostgreSQL under ./data. Extra arguments go to `voxdesk serve`.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_build_tools
build_release_site
say "starting Voxdesk (Ctrl-C stops it and its database)"
exec target/release/voxdesk serve --demo "$@"
