#!/usr/bin/env bash
# The whole test suite on a fresh machine, in one command (README, .ci/run):
# installs what the browser, Docker and Fabric suites need when it is
# missing, then runs every test one package at a time. Tests whose tool is
# still absent skip loudly (they name what is missing).
#
#   bash testnet/test-all.sh                 # everything
#   bash testnet/test-all.sh -run TestAudit  # extra flags go to `go test`
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
say() { echo "test-all: $*" >&2; }

apt_updated=
apt_install() { # apt_install PKG...: Debian packages, as root (CI and the dev machines are root)
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || { say "cannot install $* (not root, or no apt-get): the tests that need it will skip"; return 1; }
	[ -n "$apt_updated" ] || { apt-get update -qq && apt_updated=1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

go version
go build ./...
go vet ./...

# Docker fault suite (testnet/docker): jq and a compose tool beside the Docker engine.
if command -v docker >/dev/null; then
	if ! { command -v jq && { docker compose version || command -v docker-compose; }; } >/dev/null 2>&1; then
		apt_install jq docker-compose || say "could not install jq/docker-compose (needed by testnet/docker)"
	fi
else
	say "no docker: the fault suite in testnet/docker will skip"
fi
# Fabric v2.1.1 binaries for the recognition tests' Fabric partner (built once per dependency set, cached outside the repo).
if command -v gcc >/dev/null; then
	if fabbin=$(testnet/fabric/build.sh); then export GOVCHAIN_FABRIC_BIN="$fabbin"; else say "could not build the Fabric binaries (testnet/fabric/build.sh); the Fabric tests will skip"; fi
else
	say "no gcc: the Fabric binaries cannot be built; the Fabric tests will skip"
fi
# OpenSSL 3 and curl for the client kit's recipe tests (docs/protocol.md).
if ! { command -v openssl >/dev/null && openssl version | grep -q '^OpenSSL 3' && command -v curl >/dev/null; }; then
	apt_install openssl curl || say "could not install openssl/curl; the OpenSSL recipe tests will skip"
fi
# Headless Chromium for the /verify page's browser test.
command -v chromium >/dev/null || apt_install chromium || say "could not install chromium; the browser test of /verify will skip"

go test -p 1 -timeout 40m "$@" ./...
