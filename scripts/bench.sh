#!/bin/bash
# bench.sh ("make bench"): ipt2nft against the reference tools, all
# measured in this one run on this machine. Needs root (it creates and
# deletes its own network namespaces) and a Debian machine with what .ci/run
# installs; it installs what else it needs (iperf3). Times, CPU and peak
# memory of single commands are measured by tools/timeit.
#
# It prints a Markdown report (and writes it to $BENCH_REPORT):
#   1. translate time and peak memory, ipt2nft vs iptables-restore-translate -f,
#      on the "mixed" synthetic dump (with counters) of each size; and
#      ipt2nft's exact mode (run as iptables-restore-translate) vs the same;
#   2. load time into a fresh namespace: ipt2nft's output and upstream's
#      literal translation with nft -f, the original dump with
#      iptables-legacy-restore and iptables-nft-restore;
#   3. rules evaluated per probe packet, literal vs optimized
#      (tools/evalcount; internal/evalcount says how it counts);
#   4. forwarding throughput with iperf3 through a firewall namespace holding
#      the blocklist dump: no rules, iptables-legacy, upstream's nft, ours;
#   5. the iptables shim against iptables-nft, iptables-legacy and ipset:
#      the calls fail2ban and blocklist scripts make on big tables.
#
# Settings (environment):
#   BENCH_SIZES        translate sizes        (default "1000 20000 100000 1000000")
#   BENCH_LOAD_SIZES   load and count sizes   (default "1000 20000 100000")
#   BENCH_LOAD_SHAPES  shapes also loaded at 20000 rules (default "blocklist dispatch")
#   BENCH_REPEAT       runs per timing, median kept, for sizes up to 20000 (default 5)
#   BENCH_BIG_REPEAT   translate runs, median kept, for bigger sizes (default 3)
#   BENCH_BLOCKLIST    blocklist rules for the throughput test (default 20000)
#   BENCH_IPERF_TIME   seconds per iperf3 run (default 10)
#   BENCH_IPERF_ROUNDS iperf3 runs per firewall, median kept (default 5)
#   BENCH_SHIM_BANS    rules in the shim's fail2ban chain (default 20000)
#   BENCH_SHIM_SET     addresses in the shim's ipset (default 50000)
#   BENCH_SHIM_CALLS   timed calls per shim row, median kept (default 21)
#   BENCH_SHIM_RESTORE rules of the dumps restored through the shim (default 100000)
#   BENCH_REPORT       report file            (default bench-report.md)
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${BENCH_SIZES-"1000 20000 100000 1000000"}
LOAD_SIZES=${BENCH_LOAD_SIZES-"1000 20000 100000"}
LOAD_SHAPES=${BENCH_LOAD_SHAPES-"blocklist dispatch"}
REPEAT=${BENCH_REPEAT:-5}
BIG_REPEAT=${BENCH_BIG_REPEAT:-3}
BLOCKLIST=${BENCH_BLOCKLIST:-20000}
IPERF_TIME=${BENCH_IPERF_TIME:-10}
IPERF_ROUNDS=${BENCH_IPERF_ROUNDS:-5}
REPORT=${BENCH_REPORT:-bench-report.md}

if [ "$(id -u)" != 0 ]; then
	echo "bench.sh: run as root: it creates network namespaces" >&2
	exit 1
fi

# Tools: what .ci/run installs, plus iperf3.
need=""
command -v nft >/dev/null 2>&1 || need="$need nftables"
command -v iptables-legacy-restore >/dev/null 2>&1 || need="$need iptables"
command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v iperf3 >/dev/null 2>&1 || need="$need iperf3"
if [ -n "$need" ]; then
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y $need
fi

work=$(mktemp -d /tmp/ipt2nft-bench.XXXXXX)
prefix="ipt2nft-bench-$$"
nsn=0
cleanup() {
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-" || true); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns delete "$ns" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

echo "building..." >&2
# Built as make build, then installed as make install does (a copy): the
# file the linker writes goes through a mapping, and its page-cache
# pages start runs slower than those of the same bytes written by install,
# cp or a package manager (or read back from disk): 0.5 ms more CPU for
# an empty input, 3 % for the mixed 20,000-rule dump.
CGO_ENABLED=0 go build -o "$work/ipt2nft.linked" ./cmd/ipt2nft
install -m 0755 "$work/ipt2nft.linked" "$work/ipt2nft"
go build -o "$work/gen" ./tools/gen
go build -o "$work/timeit" ./tools/timeit
go build -o "$work/evalcount" ./tools/evalcount
go build -o "$work/hostcost" ./tools/hostcost
IPT=$work/ipt2nft
# The multi-call name: exact mode, upstream's output.
EXACT=$work/bin/iptables-restore-translate
mkdir -p "$work/bin"
ln -s "$IPT" "$EXACT"
export XTABLES_LOCKFILE=$work/xtables.lock # iptables-legacy: a lock of our own

out() { echo "$*" | tee -a "$REPORT"; }
: >"$REPORT"

# Helpers -------------------------------------------------------------------

# newns creates a fresh namespace and sets NS to its name.
newns() {
	nsn=$((nsn + 1))
	NS="$prefix-$nsn"
	ip netns add "$NS"
	ip -n "$NS" link set lo up
}

# now prints nanoseconds (bash's clock: no process started).
now() { echo "${EPOCHREALTIME/./}000"; }

# timed CMD... runs CMD with stdout to $work/stdout, and sets T (wall
# seconds), C (CPU seconds, user and system) and M (peak resident set, MB),
# measured by tools/timeit from just before the start of CMD to its exit
# (/usr/bin/time between two date calls added some 3 ms to every run).
# A failing CMD stops the script, unless MAYFAIL is set: then T is "fails".
timed() {
	if ! "$work/timeit" -o "$work/rss" "$@" >"$work/stdout" 2>"$work/stderr"; then
		if [ -n "${MAYFAIL:-}" ]; then
			echo "bench.sh: failed (shown in the report): $*" >&2
			head -3 "$work/stderr" >&2
			T=fails C=- M=-
			return
		fi
		echo "bench.sh: failed: $*" >&2
		tail -5 "$work/stderr" >&2
		exit 1
	fi
	# Tenths of a millisecond: the exact-mode translation of 20,000 rules
	# takes some 17 ms, where rounding to a millisecond moved its speed-up
	# by up to 3 %.
	T=$(awk '{ printf "%.4f", $1 }' "$work/rss")
	C=$(awk '{ printf "%.3f", $2 }' "$work/rss")
	M=$(awk '{ printf "%.0f", $3 / 1024 }' "$work/rss")
}

# median of the arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# runs N: how many timed runs for a size.
runs() { if [ "$1" -le 20000 ]; then echo "$REPEAT"; else echo 1; fi; }

# translate_runs N: how many timed translations for a size. The bigger
# dumps run more than once too: the goal "1,000,000 rules in less than
# 10 times the time of 100,000" is a ratio of two of them, and one run
# of each varied by a tenth and more on a loaded machine.
translate_runs() { if [ "$1" -le 20000 ]; then echo "$REPEAT"; else echo "$BIG_REPEAT"; fi; }

# ratio A B prints A/B with one decimal and "×" ("–" if either is no number).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.1f×", a / b; else print "–" }'; }

dump() { # dump SHAPE SIZE: a cached synthetic dump with counters
	local f="$work/$1-$2.rules"
	[ -f "$f" ] || "$work/gen" -shape "$1" -rules "$2" -counters >"$f"
	echo "$f"
}

# Report header ---------------------------------------------------------------

out "## Run of $(date -u '+%Y-%m-%d %H:%M UTC')"
out ""
out "- command: \`make bench\` (scripts/bench.sh), sizes: $SIZES; load and counts: $LOAD_SIZES"
out "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), kernel $(uname -r)"
out "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows both sides; CPU times are less affected than wall times)"
out "- host: $("$work/hostcost") (the ratios follow these: ipt2nft touches more memory than upstream and starts the Go runtime)"
out "- ipt2nft $(git describe --always --dirty 2>/dev/null || echo '?'), $(go version | awk '{print $3}'); $(iptables-restore-translate --version 2>&1 | head -1); $(nft --version); $(iperf3 --version | head -1 | awk '{print $1, $2}')"
out ""

# 1. Translate ------------------------------------------------------------------

out "### Translate (mixed dump with counters; median of $REPEAT runs up to 20,000 rules, of $BIG_REPEAT above)"
out ""
out "| rules | ipt2nft | iptables-restore-translate -f | speed-up | ipt2nft CPU | upstream CPU | ipt2nft peak | upstream peak |"
out "|---:|---:|---:|---:|---:|---:|---:|---:|"
exact_rows=()
for n in $SIZES; do
	f=$(dump mixed "$n")
	ours=() theirs=() oc=() tc=() om=0 tm=0 ex=() ec=() em=0
	for _ in $(seq "$(translate_runs "$n")"); do
		timed "$IPT" "$f"
		ours+=("$T")
		oc+=("$C")
		om=$M
		cp "$work/stdout" "$work/mixed-$n.ours.nft"
		timed "$EXACT" -f "$f"
		ex+=("$T")
		ec+=("$C")
		em=$M
		cp "$work/stdout" "$work/mixed-$n.exact.nft"
		timed iptables-restore-translate -f "$f"
		theirs+=("$T")
		tc+=("$C")
		tm=$M
		cp "$work/stdout" "$work/mixed-$n.up.nft"
	done
	o=$(median "${ours[@]}")
	u=$(median "${theirs[@]}")
	e=$(median "${ex[@]}")
	eval "ours_$n=$o"
	eval "exact_$n=$e"
	out "| $n | ${o} s | ${u} s | $(ratio "$u" "$o") | $(median "${oc[@]}") s | $(median "${tc[@]}") s | ${om} MB | ${tm} MB |"
	# The same text but for the first and last lines (tool name, version
	# and time); upstream here is 1.8.9, the exact mode follows 1.8.11.
	differ=$(diff <(sed '1d;$d' "$work/mixed-$n.exact.nft") <(sed '1d;$d' "$work/mixed-$n.up.nft") | grep -c '^[<>]' || true)
	same="yes"
	[ "$differ" = 0 ] || same="no: $differ lines differ"
	exact_rows+=("| $n | ${e} s | ${u} s | $(ratio "$u" "$e") | $(median "${ec[@]}") s | $(median "${tc[@]}") s | ${em} MB | ${tm} MB | $same |")
done
if [ -n "${ours_100000:-}" ] && [ -n "${ours_1000000:-}" ]; then
	out ""
	out "1,000,000 rules take $(ratio "$ours_1000000" "$ours_100000") the time of 100,000."
fi
out ""
out "#### The same runs, exact mode: ipt2nft as iptables-restore-translate (upstream's output, line for line)"
out ""
out "| rules | ipt2nft as iptables-restore-translate -f | iptables-restore-translate -f | speed-up | ipt2nft CPU | upstream CPU | ipt2nft peak | upstream peak | same output |"
out "|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for row in "${exact_rows[@]}"; do
	out "$row"
done
if [ -n "${exact_100000:-}" ] && [ -n "${exact_1000000:-}" ]; then
	out ""
	out "In exact mode, 1,000,000 rules take $(ratio "$exact_1000000" "$exact_100000") the time of 100,000."
fi
out ""

# 2. Load -------------------------------------------------------------------------

# Loaders: "label|command", the command run in a fresh namespace with
# %OURS% (ipt2nft's output), %UP% (upstream's) and %DUMP% (the original).
# iptables-legacy-restore without -c, as the goal was measured, starts
# counters from zero; %OURSZ% (ipt2nft --no-counter-values) does the same
# and is the like-for-like comparison. With -c legacy keeps the values, as
# ipt2nft's default output does.
loaders=(
	"ipt2nft output, nft -f|nft -f %OURS%"
	"ipt2nft --no-counter-values output, nft -f|nft -f %OURSZ%"
	"upstream literal translation, nft -f|nft -f %UP%"
	"original, iptables-legacy-restore|iptables-legacy-restore %DUMP%"
	"original, iptables-legacy-restore -c|iptables-legacy-restore -c %DUMP%"
	"original, iptables-nft-restore|iptables-nft-restore %DUMP%"
)
# ipt2nft's own netlink loader: apply of the dump (translates first), and
# apply of a plan made beforehand (ipt2nft --format plan: the text with its
# compiled batch), with and without counter values.
loaders=(
	"ipt2nft apply of the dump (netlink)|$IPT apply --state-dir $work/state %DUMP%"
	"ipt2nft apply of a plan (netlink)|$IPT apply --state-dir $work/state %PLAN%"
	"ipt2nft apply of a --no-counter-values plan|$IPT apply --state-dir $work/state %PLANZ%"
	"${loaders[@]}"
)

out "### Load into a fresh namespace (median of $REPEAT runs up to 20,000 rules; \"fails\": the loader rejects the input)"
out ""
header="| dump | rules |"
rule="|---|---:|"
for l in "${loaders[@]}"; do
	header="$header ${l%%|*} |"
	rule="$rule---:|"
done
out "$header upstream ÷ ipt2nft | legacy -c ÷ ipt2nft | legacy ÷ ipt2nft --no-counter-values | legacy -c ÷ plan | legacy ÷ --no-counter-values plan |"
out "$rule---:|---:|---:|---:|---:|"
cases=""
for n in $LOAD_SIZES; do cases="$cases mixed:$n"; done
for shape in $LOAD_SHAPES; do cases="$cases $shape:20000"; done
for c in $cases; do
	shape=${c%:*} n=${c#*:}
	f=$(dump "$shape" "$n")
	[ -f "$work/$shape-$n.ours.nft" ] || "$IPT" "$f" >"$work/$shape-$n.ours.nft"
	[ -f "$work/$shape-$n.oursz.nft" ] || "$IPT" --no-counter-values "$f" >"$work/$shape-$n.oursz.nft"
	[ -f "$work/$shape-$n.up.nft" ] || iptables-restore-translate -f "$f" >"$work/$shape-$n.up.nft"
	[ -f "$work/$shape-$n.plan" ] || "$IPT" --format plan -o "$work/$shape-$n.plan" "$f"
	[ -f "$work/$shape-$n.z.plan" ] || "$IPT" --format plan --no-counter-values -o "$work/$shape-$n.z.plan" "$f"
	row="| $shape | $n |"
	t_ours="" t_oursz="" t_up="" t_legacy="" t_legacyc="" t_plan="" t_planz=""
	for l in "${loaders[@]}"; do
		cmd=${l#*|}
		cmd=${cmd//%OURSZ%/$work/$shape-$n.oursz.nft}
		cmd=${cmd//%PLANZ%/$work/$shape-$n.z.plan}
		cmd=${cmd//%PLAN%/$work/$shape-$n.plan}
		cmd=${cmd//%OURS%/$work/$shape-$n.ours.nft}
		cmd=${cmd//%UP%/$work/$shape-$n.up.nft}
		cmd=${cmd//%DUMP%/$f}
		ts=()
		for _ in $(seq "$(runs "$n")"); do
			newns
			# shellcheck disable=SC2086 # the command is words
			MAYFAIL=1 timed ip netns exec "$NS" $cmd
			ts+=("$T")
			ip netns delete "$NS"
		done
		m=$(median "${ts[@]}")
		[ "$m" = fails ] || m="$m s"
		case ${l%%|*} in
		"ipt2nft output, nft -f") t_ours=${m% s} ;;
		"upstream literal translation, nft -f") t_up=${m% s} ;;
		"ipt2nft --no-counter-values output, nft -f") t_oursz=${m% s} ;;
		"original, iptables-legacy-restore") t_legacy=${m% s} ;;
		"original, iptables-legacy-restore -c") t_legacyc=${m% s} ;;
		"ipt2nft apply of a plan (netlink)") t_plan=${m% s} ;;
		"ipt2nft apply of a --no-counter-values plan") t_planz=${m% s} ;;
		esac
		row="$row $m |"
	done
	out "$row $(ratio "$t_up" "$t_ours") | $(ratio "$t_legacyc" "$t_ours") | $(ratio "$t_legacy" "$t_oursz") | $(ratio "$t_legacyc" "$t_plan") | $(ratio "$t_legacy" "$t_planz") |"
done
out ""

# 3. Rules evaluated per packet -----------------------------------------------------

out "### Rules evaluated per packet (200 probes; mean per probe)"
out ""
out "Static count from the IR (internal/evalcount): every rule a probe reaches counts one; a set lookup or a verdict map is one rule evaluation; jumps count the rules of the chain jumped to. \"Literal\" is one nft rule per iptables rule, as iptables-restore-translate writes (same rule count checked against its output); the probes get the same verdicts from both."
out ""
out "| shape | rules | literal | ipt2nft | fewer |"
out "|---|---:|---:|---:|---:|"
for n in $LOAD_SIZES; do
	for shape in blocklist dispatch mixed; do
		line=$("$work/evalcount" -shape "$shape" -rules "$n" -counters -probes 200)
		lit=$(echo "$line" | sed 's/.* literal=\([0-9.]*\).*/\1/')
		opt=$(echo "$line" | sed 's/.* optimized=\([0-9.]*\).*/\1/')
		litrules=$(echo "$line" | sed 's/.* literal_rules=\([0-9]*\).*/\1/')
		f=$(dump "$shape" "$n")
		uprules=$(iptables-restore-translate -f "$f" | grep -c '^add rule' || true)
		if [ "$litrules" != "$uprules" ]; then
			echo "bench.sh: $shape/$n: the literal translation has $litrules rules, upstream's $uprules" >&2
			exit 1
		fi
		out "| $shape | $n | $lit | $opt | $(ratio "$lit" "$opt") |"
	done
done
out ""

# 4. Forwarding throughput -------------------------------------------------------------

# client (198.18.1.2) -- firewall (198.18.1.1 | 198.18.2.1) -- server (198.18.2.2),
# addresses of the benchmarking range, in namespaces of this run only.
newns
cl=$NS
newns
fw=$NS
newns
sv=$NS
ip link add bc0 netns "$cl" type veth peer name bf0 netns "$fw"
ip link add bs0 netns "$sv" type veth peer name bf1 netns "$fw"
ip -n "$cl" addr add 198.18.1.2/24 dev bc0
ip -n "$fw" addr add 198.18.1.1/24 dev bf0
ip -n "$fw" addr add 198.18.2.1/24 dev bf1
ip -n "$sv" addr add 198.18.2.2/24 dev bs0
for x in "$cl bc0" "$fw bf0" "$fw bf1" "$sv bs0"; do
	set -- $x
	ip -n "$1" link set "$2" up
done
ip -n "$cl" route add default via 198.18.1.1
ip -n "$sv" route add default via 198.18.2.1
ip netns exec "$fw" sysctl -qw net.ipv4.ip_forward=1

bl=$(dump blocklist "$BLOCKLIST")
# The floor of any nft firewall: a forward base chain without rules.
printf 'table ip empty {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}\n' >"$work/empty.nft"
"$IPT" "$bl" >"$work/bl.ours.nft"
iptables-restore-translate -f "$bl" >"$work/bl.up.nft"

# iperf RULES-LOADER: Gbit/s received, 2 streams, with the firewall
# namespace's rules replaced first.
iperf() {
	ip netns exec "$fw" nft flush ruleset
	ip netns exec "$fw" iptables-legacy -F FORWARD 2>/dev/null || true
	case $1 in
	none) ;;
	empty) ip netns exec "$fw" nft -f "$work/empty.nft" ;;
	legacy) ip netns exec "$fw" iptables-legacy-restore "$bl" ;;
	upstream) ip netns exec "$fw" nft -f "$work/bl.up.nft" ;;
	ours) ip netns exec "$fw" nft -f "$work/bl.ours.nft" ;;
	esac
	ip netns exec "$sv" iperf3 -s -1 -B 198.18.2.2 >/dev/null 2>&1 &
	local pid=$!
	for _ in $(seq 50); do
		ip netns exec "$sv" ss -ltn 2>/dev/null | grep -q 198.18.2.2:5201 && break
		sleep 0.1
	done
	ip netns exec "$cl" iperf3 -c 198.18.2.2 -P 2 -t "$IPERF_TIME" -f g >"$work/iperf.txt"
	wait "$pid" || true
	awk '/SUM.*receiver/ { print $6 }' "$work/iperf.txt"
}

out "### Forwarding throughput (iperf3, 2 TCP streams for ${IPERF_TIME} s, veth, client → firewall namespace → server; $BLOCKLIST source-address DROPs in FORWARD, none matching; median of $IPERF_ROUNDS rounds, the firewalls taking turns)"
out ""
out "| firewall | Gbit/s | of no firewall | ipt2nft ÷ this | runs |"
out "|---|---:|---:|---:|---|"
variants="none empty legacy upstream ours"
declare -A gbits
for _ in $(seq "$IPERF_ROUNDS"); do
	for v in $variants; do
		gbits[$v]="${gbits[$v]:-} $(iperf "$v")"
	done
done
# shellcheck disable=SC2086 # lists of numbers
none=$(median ${gbits[none]})
# shellcheck disable=SC2086
ours=$(median ${gbits[ours]})
for v in $variants; do
	# shellcheck disable=SC2086
	g=$(median ${gbits[$v]})
	label=$(case $v in none) echo "no rules" ;; empty) echo "an empty nft forward chain" ;; legacy) echo "iptables-legacy (original)" ;; upstream) echo "upstream literal translation (nft)" ;; ours) echo "ipt2nft (nft)" ;; esac)
	out "| $label | $g | $(awk -v a="$g" -v b="$none" 'BEGIN { printf "%.0f %%", 100 * a / b }') | $(ratio "$ours" "$g") |${gbits[$v]} |"
done
out ""

# 5. The shim: the calls tools make ----------------------------------------------

# One namespace per implementation, holding what fail2ban and blocklist
# scripts build up: a chain of $SHIM_BANS bans jumped to from INPUT, and
# an ipset of $SHIM_SET addresses. Then the calls they make, one process
# each, timed one by one (median of $SHIM_CALLS): fail2ban's check before
# a ban (-n -L INPUT), the ban (-I f2b 1), the unban (-D), an append to
# an empty chain (the start-up of one call), ipset add and test; and the
# restores that built the tables.
SHIM_BANS=${BENCH_SHIM_BANS:-20000}
SHIM_SET=${BENCH_SHIM_SET:-50000}
SHIM_CALLS=${BENCH_SHIM_CALLS:-21}
shimdir=$work/shim
mkdir -p "$shimdir"
for n in iptables iptables-restore ipset; do ln -s "$IPT" "$shimdir/$n"; done
awk -v n="$SHIM_BANS" 'BEGIN {
	print "*filter"; print ":f2b - [0:0]"; print ":empty - [0:0]"
	print "-A INPUT -p tcp -m multiport --dports 22 -j f2b"
	for (i = 1; i <= n; i++) printf "-A f2b -s 10.%d.%d.%d/32 -j REJECT --reject-with icmp-port-unreachable\n", int(i / 62500), int(i / 250) % 250, i % 250 + 1
	print "COMMIT" }' >"$work/f2b.rules"
awk -v n="$SHIM_SET" 'BEGIN {
	print "create bl hash:ip family inet hashsize 1024 maxelem 1000000"
	for (i = 1; i <= n; i++) printf "add bl 11.%d.%d.%d\n", int(i / 62500), int(i / 250) % 250, i % 250 + 1 }' >"$work/ipset.restore"

# percall NS CALL: median milliseconds of SHIM_CALLS runs of CALL in NS,
# each with %N replaced by the run's number (1, 2, ...). A shell in the
# namespace runs them, so that "ip netns exec" is not timed.
percall() {
	local ns=$1 call=${2//%N/\$i}
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$ns" bash -c 'for i in $(seq '"$SHIM_CALLS"'); do
		s=$EPOCHREALTIME; '"$call"' >/dev/null 2>&1; e=$EPOCHREALTIME
		echo "$s $e"
	done' | awk '{ printf "%.1f\n", ($2 - $1) * 1000 }' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# onetime NS CMD: seconds of one run of CMD (words) in NS.
onetime() {
	local t0 t1
	t0=$(now)
	# shellcheck disable=SC2086 # the command is words
	ip netns exec "$1" $2 >/dev/null
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# sidesrow HOW NAMESPACES TOOL REF "label|args" SIDE...: a row with, for
# each side, HOW (onetime: seconds of one run; percall: median ms per
# call) of the side's program (TOOL names it) with args, in the side's
# namespace (NAMESPACES: the name of an array of them by side), and REF's
# figure divided by the shim's.
sidesrow() {
	local how=$1 tool=$3 ref=$4 c=$5 side row prog
	local -n nss=$2
	shift 5
	local -A v=()
	row="| ${c%%|*} |"
	for side in "$@"; do
		prog=$($tool "$side")
		v[$side]=$($how "${nss[$side]}" "$prog ${c#*|}")
		row="$row ${v[$side]} |"
	done
	out "$row $(ratio "${v[$ref]}" "${v[shim]}") |"
}

out "### The iptables shim: calls fail2ban, Docker and blocklist scripts make ($SHIM_BANS bans in one chain, an ipset of $SHIM_SET addresses; median of $SHIM_CALLS calls, ms per call)"
out ""
out "| call | ipt2nft shim | iptables-nft | iptables-legacy | iptables-nft ÷ shim |"
out "|---|---:|---:|---:|---:|"
declare -A shimns
for side in shim nft legacy; do
	newns
	shimns[$side]=$NS
done
ipt_of() { case $1 in shim) echo "$shimdir/iptables" ;; nft) echo iptables-nft ;; legacy) echo iptables-legacy ;; esac; }
iptrestore_of() { echo "$(ipt_of "$1")-restore"; }
sidesrow onetime shimns iptrestore_of nft "restore of the bans (seconds)|$work/f2b.rules" shim nft legacy
calls=(
	"fail2ban's check: -n -L INPUT|-n -L INPUT"
	"ban: -I f2b 1 -s ADDR -j REJECT|-I f2b 1 -s 192.0.2.%N -j REJECT --reject-with icmp-port-unreachable"
	"unban: -D f2b -s ADDR -j REJECT|-D f2b -s 192.0.2.%N -j REJECT --reject-with icmp-port-unreachable"
	"-A of an empty chain|-A empty -s 198.51.100.%N -j ACCEPT"
)
for c in "${calls[@]}"; do
	sidesrow percall shimns ipt_of nft "$c" shim nft legacy
done
out ""
out "| ipset call | ipt2nft shim | ipset | ipset ÷ shim |"
out "|---|---:|---:|---:|"
declare -A setns
for side in shim ipset; do
	newns
	setns[$side]=$NS
done
set_of() { case $1 in shim) echo "$shimdir/ipset" ;; ipset) echo ipset ;; esac; }
sidesrow onetime setns set_of ipset "restore of the set (seconds)|-f $work/ipset.restore restore" shim ipset
setcalls=(
	"add ADDR|add bl 192.0.2.%N"
	"test ADDR|test bl 192.0.2.%N"
	"del ADDR|del bl 192.0.2.%N"
)
for c in "${setcalls[@]}"; do
	sidesrow percall setns set_of ipset "$c" shim ipset
done
out ""

# Whole dumps restored through the shim (kube-proxy rewrites its tables
# with iptables-restore on every sync): time and peak memory, each side
# in a fresh namespace.
SHIM_RESTORE=${BENCH_SHIM_RESTORE:-100000}
out "| iptables-restore of a $SHIM_RESTORE-rule dump (seconds / peak MB) | ipt2nft shim | iptables-nft | iptables-legacy | iptables-nft ÷ shim (time) |"
out "|---|---:|---:|---:|---:|"
for shape in mixed dispatch; do
	f=$(dump "$shape" "$SHIM_RESTORE")
	row="| $shape |"
	declare -A rt=()
	for side in shim nft legacy; do
		newns
		timed ip netns exec "$NS" "$(iptrestore_of "$side")" "$f"
		rt[$side]=$T
		row="$row $T / $M |"
	done
	out "$row $(ratio "${rt[nft]}" "${rt[shim]}") |"
done
out ""
out "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "report written to $REPORT" >&2
