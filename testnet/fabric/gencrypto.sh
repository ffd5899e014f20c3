#!/usr/bin/env bash
# Regenerates network/crypto with cryptogen (from build.sh's cache) and
# rewrites every certificate signature to low-S (cmd/lows). Run once; the
# output is committed. Test keys only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$("$here/build.sh")
rm -rf "$here/network/crypto"
"$bin/cryptogen" generate --config "$here/network/crypto-config.yaml" --output "$here/network/crypto"
(cd "$here" && GOFLAGS="-mod=readonly -buildvcs=false" go run ./cmd/lows "$here/network/crypto")
