#!/bin/bash
# identity-gate.sh OLD NEW [INPUT...]: runs two ipt2nft binaries over the
# same inputs in every output mode and fails if any stdout, stderr or exit
# status differs. Performance work that promises "same output" is checked
# with it: build main as OLD, the branch as NEW.
#
# Inputs: the real-world corpus (../shared/corpus/realworld when present),
# the bundled examples, generated dumps of each shape at 1k and 20k rules
# (with counters), and any INPUT given.
set -u
old=$1 new=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1700000000

go build -o "$work/gen" "$root/tools/gen" || exit 2
inputs=()
for shape in mixed blocklist dispatch; do
	for n in 1000 20000; do
		"$work/gen" -shape $shape -rules $n -counters >"$work/g-$shape-$n.v4"
		inputs+=("$work/g-$shape-$n.v4")
	done
done
"$work/gen" -shape blocklist -rules 20000 -shuffle >"$work/g-blocklist-shuffled.v4"
inputs+=("$work/g-blocklist-shuffled.v4")
for f in "$root"/examples/* "$root"/../shared/corpus/realworld/*; do
	case $f in *.md | *.txt | */SOURCES*) continue ;; esac
	[ -f "$f" ] && inputs+=("$f")
done
inputs+=("$@")

# Exact mode by name, as the multi-call binary is installed.
for b in old new; do
	mkdir -p "$work/$b"
	for n in iptables-translate ip6tables-translate iptables-restore-translate ip6tables-restore-translate; do
		ln -s "$(realpath "${!b}")" "$work/$b/$n"
	done
done

modes=("" "--format json" "--format plan" "--no-counter-values" "--literal" "report" "--exact")
compared=0 differ=0
run() { # run BIN ARGS... > OUT: stdout, then stderr, then the exit status
	local bin=$1
	shift
	"$bin" "$@" >"$work/out" 2>"$work/err" </dev/null
	echo "exit $?" >>"$work/err"
	cat "$work/out" "$work/err"
}
check() { # check LABEL ARGS...: ARGS run under both binaries
	local label=$1
	shift
	run "$old" "$@" >"$work/a"
	run "$new" "$@" >"$work/b"
	compared=$((compared + 1))
	if ! cmp -s "$work/a" "$work/b"; then
		differ=$((differ + 1))
		echo "DIFFER: $label"
		diff "$work/a" "$work/b" | head -10
	fi
}
checkname() { # checkname NAME FILE: exact mode by program name
	local a b
	a=$("$work/old/$1" <"$2" 2>&1; echo "exit $?")
	b=$("$work/new/$1" <"$2" 2>&1; echo "exit $?")
	compared=$((compared + 1))
	if [ "$a" != "$b" ]; then
		differ=$((differ + 1))
		echo "DIFFER: $1 < $2"
	fi
}
for f in "${inputs[@]}"; do
	for m in "${modes[@]}"; do
		if [ "$m" = report ]; then
			check "report $f" report "$f"
		else
			# shellcheck disable=SC2086
			check "$m $f" $m "$f"
		fi
	done
	checkname iptables-restore-translate "$f"
done
for f in "$root"/../shared/corpus/upstream/*.txlate; do
	[ -f "$f" ] || continue
	# The suite's commands, one by one, through iptables-translate.
	while IFS= read -r line; do
		case $line in iptables-translate* | ip6tables-translate*) ;; *) continue ;; esac
		name=${line%% *}
		read -ra words <<<"${line#* }"
		a=$("$work/old/$name" "${words[@]}" 2>&1; echo "exit $?")
		b=$("$work/new/$name" "${words[@]}" 2>&1; echo "exit $?")
		compared=$((compared + 1))
		if [ "$a" != "$b" ]; then
			differ=$((differ + 1))
			echo "DIFFER: $line"
		fi
	done <"$f"
done
echo "identity gate: $compared compared, $differ differ"
[ "$differ" = 0 ]
