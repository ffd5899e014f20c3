#!/usr/bin/env bash
# Builds Hyperledger Fabric v2.1.1's peer, orderer, configtxgen and cryptogen
# (and the licence chaincode; plus Fabric's sample core.yaml and orderer.yaml
# in config/) with the current Go toolchain, once per
# dependency set, and prints the directory holding them.
#
# The binaries live OUTSIDE the repository, in
#   ${GOVCHAIN_FABRIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/govchain/fabric}/<key>/bin
# where <key> is the first 16 hex digits of SHA-256 over this module's
# go.sum, go.mod, the chaincode source and `go env GOVERSION` (a cold build
# takes about 5 minutes on 2 cores; later runs print the directory at once).
# testnet/fabricnet computes the same key to find them (Key()).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${GOVCHAIN_FABRIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/govchain/fabric}
key=$(cd "$here" && cat go.sum go.mod chaincode/licence/main.go <(go env GOVERSION) | sha256sum | cut -c1-16)
dir="$cache/$key"
bins=(peer orderer configtxgen cryptogen licence)
complete() {
	for b in "${bins[@]}"; do [ -x "$1/bin/$b" ] || return 1; done
	[ -f "$1/config/core.yaml" ] && [ -f "$1/config/orderer.yaml" ]
}
if complete "$dir"; then
	echo "$dir/bin"
	exit 0
fi
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.build-$key.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "building Fabric v2.1.1 binaries into $dir (first time for this dependency set: several minutes)" >&2
cd "$here"
export GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=1
go build -trimpath -o "$tmp/bin/" \
	github.com/hyperledger/fabric/cmd/peer \
	github.com/hyperledger/fabric/cmd/orderer \
	github.com/hyperledger/fabric/cmd/configtxgen \
	github.com/hyperledger/fabric/cmd/cryptogen
go build -trimpath -o "$tmp/bin/licence" ./chaincode/licence
# Fabric's sample core.yaml and orderer.yaml, which testnet/fabricnet adapts.
mkdir -p "$tmp/config"
src=$(go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)
cp "$src/sampleconfig/core.yaml" "$src/sampleconfig/orderer.yaml" "$tmp/config/"
chmod 644 "$tmp/config/"*
complete "$tmp"
# Publish atomically (replacing an incomplete entry from an older build.sh);
# a concurrent build that won keeps its copy.
if [ -e "$dir" ] && ! complete "$dir"; then
	rm -rf "$dir"
fi
if ! mv -T "$tmp" "$dir" 2>/dev/null; then
	complete "$dir"
fi
trap - EXIT
echo "$dir/bin"
