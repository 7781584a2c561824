#!/bin/bash
# pgo.sh: writes cmd/ipt2nft/default.pgo, the CPU profile "go build" uses
# for profile-guided optimization of the ipt2nft binary (Go picks up
# default.pgo in the main package's directory by itself).
#
# The profile is of the work the benchmarks measure: exact mode and the
# optimizing mode on generated dumps (mixed, blocklist, dispatch), JSON,
# plan and report output. Refresh it after large changes to the hot
# paths (a stale profile costs the gain, never correctness): run this,
# then compare instruction counts as docs/benchmarks.md says.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Profile a build without the current profile.
CGO_ENABLED=0 go build -pgo=off -o "$work/ipt2nft" ./cmd/ipt2nft
go build -o "$work/gen" ./tools/gen
mkdir "$work/bin"
ln -s "$work/ipt2nft" "$work/bin/iptables-restore-translate"
for shape in mixed blocklist dispatch; do
	for n in 20000 100000; do
		"$work/gen" -shape $shape -rules $n -counters >"$work/$shape-$n.v4"
	done
done
"$work/gen" -shape mixed -rules 1000000 -counters >"$work/mixed-1000000.v4"

i=0
prof() { # prof ARGS...: one run, its CPU profile kept
	i=$((i + 1))
	IPT2NFT_CPUPROFILE="$work/$i.prof" "$@" >/dev/null 2>&1
}
for _ in 1 2 3; do
	prof "$work/bin/iptables-restore-translate" -f "$work/mixed-100000.v4"
	for shape in mixed blocklist dispatch; do
		prof "$work/ipt2nft" "$work/$shape-100000.v4"
	done
done
prof "$work/bin/iptables-restore-translate" -f "$work/mixed-1000000.v4"
prof "$work/ipt2nft" "$work/mixed-1000000.v4"
for _ in $(seq 10); do
	prof "$work/bin/iptables-restore-translate" -f "$work/mixed-20000.v4"
	prof "$work/ipt2nft" "$work/mixed-20000.v4"
done
prof "$work/ipt2nft" --format json "$work/mixed-100000.v4"
prof "$work/ipt2nft" --format plan "$work/mixed-100000.v4"
prof "$work/ipt2nft" report "$work/mixed-100000.v4"

go tool pprof -proto "$work"/*.prof >cmd/ipt2nft/default.pgo
echo "wrote cmd/ipt2nft/default.pgo ($(wc -c <cmd/ipt2nft/default.pgo) bytes, $i profiles)"
