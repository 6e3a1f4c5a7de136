#!/usr/bin/env bash
# `make dist`: what an operator copies to a server — the release binary (migrations
# built in), the site's scripts and styles, a systemd unit, an example settings file
# and install steps — as target/dist/voxdesk-VERSION-linux-ARCH.tar.gz. Prints the path.
#
# VOXDESK_DIST_PROFILE=debug packs the dev-profile server instead (`make test` checks
# the packing and serves its browser tests from such a package), named …-debug.tar.gz
# so that it is never mistaken for one to install.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_build_tools >&2
case "${VOXDESK_DIST_PROFILE:-release}" in
  release) build_release_site >&2; binary=target/release/voxdesk; suffix="" ;;
  debug) build_test_site >&2; binary=target/debug/voxdesk; suffix="-debug" ;;
  *) die "VOXDESK_DIST_PROFILE is release or debug, not ${VOXDESK_DIST_PROFILE}" ;;
esac
version="$("$binary" --version | awk '{ print $2 }')"
name="voxdesk-$version-linux-$(uname -m)$suffix"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin"
install -m 0755 "$binary" "$stage/$name/bin/voxdesk"
# Symbols are for debuggers, not servers: a quarter of the size.
strip "$stage/$name/bin/voxdesk" 2>/dev/null || true
cp -r target/site "$stage/$name/site"
install -m 0644 packaging/voxdesk.service packaging/voxdesk.env.example packaging/README.txt "$stage/$name/"
mkdir -p target/dist
tar -C "$stage" -czf "target/dist/$name.tar.gz" "$name"
say "packed target/dist/$name.tar.gz ($(du -h "target/dist/$name.tar.gz" | cut -f1))" >&2
echo "target/dist/$name.tar.gz"
