package script

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// runScript writes src as fw.sh (plus extra files) into a fresh directory
// and runs it.
func runScript(t *testing.T, src string, defines map[string]string, extra ...string) (*Result, string) {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i+1 < len(extra); i += 2 {
		if err := os.WriteFile(filepath.Join(dir, extra[i]), []byte(extra[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(dir, "fw.sh")
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Run(name, src, Options{Registry: translate.Registry{}, Defines: defines, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return res, dir
}

// summary renders what was captured, one line per item, positions
// relative to the script's directory.
func summary(res *Result, dir string) []string {
	var out []string
	rel := func(p iptparse.Pos) string {
		s := p.String()
		return strings.TrimPrefix(s, dir+"/")
	}
	for _, f := range res.Files[1:] {
		for _, it := range f.Items {
			switch it := it.(type) {
			case *iptparse.CommandLine:
				out = append(out, fmt.Sprintf("%s %s %s", rel(it.Pos), f.Family, it.RuleText()))
			case *iptparse.BadLine:
				out = append(out, fmt.Sprintf("%s BAD(rule=%v) %s", rel(it.Err.Pos), it.IsRule, strings.ReplaceAll(it.Err.Msg, dir+"/", "")))
			case *iptparse.ChainDecl:
				out = append(out, fmt.Sprintf("%s %s :%s %s", rel(it.Pos), f.Family, it.Name, it.Policy))
			}
		}
	}
	return out
}

func warnings(res *Result, dir string) []string {
	var out []string
	for _, w := range res.Warnings() {
		out = append(out, strings.ReplaceAll(w.String(), dir+"/", ""))
	}
	return out
}

func check(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n--- got\n%s\n--- want\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestShellConstructs(t *testing.T) {
	src := `#!/bin/sh
IPT=$(which iptables)
EXT_IF=${EXT_IF:-eth0}
allow() {
	$IPT -A INPUT -i $EXT_IF -p tcp --dport "$1" -j ACCEPT
}
for p in 22 80; do
	allow $p
done
n=0
while [ $n -lt 2 ]; do
	n=$((n+1))
	iptables -A OUTPUT -p udp --dport 100$n -j ACCEPT
done
case "$1" in
start|"") sudo /usr/sbin/ip6tables-legacy -A FORWARD -j ACCEPT ;;
stop) iptables -F ;;
esac
if [ "$EXT_IF" = eth0 ]; then iptables -P INPUT DROP; else iptables -P INPUT ACCEPT; fi
iptables -A INPUT -s 10.0.0.0/8 \
	-j DROP
`
	res, dir := runScript(t, src, nil)
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:5:2 ipv4 -A INPUT -i eth0 -p tcp --dport 22 -j ACCEPT",
		"fw.sh:5:2 ipv4 -A INPUT -i eth0 -p tcp --dport 80 -j ACCEPT",
		"fw.sh:13:2 ipv4 -A OUTPUT -p udp --dport 1001 -j ACCEPT",
		"fw.sh:13:2 ipv4 -A OUTPUT -p udp --dport 1002 -j ACCEPT",
		"fw.sh:16:11 ipv6 -A FORWARD -j ACCEPT",
		"fw.sh:19:31 ipv4 -P INPUT DROP",
		"fw.sh:20:1 ipv4 -A INPUT -s 10.0.0.0/8 -j DROP",
	})
	if n := res.Rules(); n != 6 {
		t.Errorf("%d rules, want 6", n)
	}
	// fields of a variable word sit at the variable; the others at their word
	cmds := res.Commands()
	var cols []int
	for _, w := range cmds[0].Words {
		cols = append(cols, int(w.Pos.Col))
	}
	if fmt.Sprint(cols) != "[7 10 16 19 27 30 34 42 47 50]" {
		t.Errorf("word columns %v", cols)
	}
	if w := cmds[6].Words[4]; w.Text != "-j" || w.Pos.Line != 21 || w.Pos.Col != 2 {
		t.Errorf("continued word at %s", w.Pos)
	}
	check(t, "warnings", warnings(res, dir), nil)
}

func TestAliasesThroughVariables(t *testing.T) {
	src := `ipi='iptables -I INPUT'
res='RELATED,ESTABLISHED'
$ipi 1 -p udp --dport 1701 -j DROP
$ipi 2 -p tcp -m tcp --dport "$res" -j ACCEPT
`
	res, dir := runScript(t, src, nil)
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:3:1 ipv4 -I INPUT 1 -p udp --dport 1701 -j DROP",
		"fw.sh:4:30 BAD(rule=true) Port \"RELATED,ESTABLISHED\" does not resolve to anything",
	})
	cols := ""
	for _, w := range res.Commands()[0].Words {
		cols += fmt.Sprintf(" %s@%d", w.Text, w.Pos.Col)
	}
	if cols != " -I@1 INPUT@1 1@6 -p@8 udp@11 --dport@15 1701@23 -j@28 DROP@31" {
		t.Errorf("columns:%s", cols)
	}
}

func TestWrapperFunctionPlacedAtCallSite(t *testing.T) {
	src := `ipt() {
	/sbin/iptables "$@" || echo failed
}
ipt -A INPUT -p tcp --dport 22 -j ACCEPT
ipt -A INPUT -p tcp --dport 99999 -j ACCEPT
`
	res, dir := runScript(t, src, nil)
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:4:1 ipv4 -A INPUT -p tcp --dport 22 -j ACCEPT",
		"fw.sh:5:29 BAD(rule=true) Port \"99999\" does not resolve to anything",
	})
}

func TestUnknownCommandOutput(t *testing.T) {
	src := `EXT=eth0
EXTIP=$(ip -4 addr show $EXT | awk '/inet/ {print $2}' | cut -d/ -f1)
iptables -A INPUT -d $EXTIP -p tcp --dport 22 -j ACCEPT
iptables -A INPUT -d "$(hostname -i)" -j ACCEPT
iptables -A INPUT -i $EXT -j ACCEPT
if [ -n "$EXTIP" ]; then iptables -A INPUT -j DROP; fi
`
	res, dir := runScript(t, src, nil)
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:3:1 BAD(rule=true) this command uses the output of `ip -4 addr show eth0` (fw.sh:2:9), which was not run; give its value with -D EXTIP=VALUE",
		"fw.sh:4:1 BAD(rule=true) this command uses the output of `hostname -i` (fw.sh:4:25), which was not run",
		"fw.sh:5:1 ipv4 -A INPUT -i eth0 -j ACCEPT",
		"fw.sh:6:26 ipv4 -A INPUT -j DROP",
	})
	check(t, "warnings", warnings(res, dir), []string{
		"fw.sh:2:9: warning: not run: ip -4 addr show eth0",
		"fw.sh:2:32: warning: not run: awk /inet/ {print $2}",
		"fw.sh:2:58: warning: not run: cut -d/ -f1",
		"fw.sh:4:25: warning: not run: hostname -i",
		"fw.sh:6:4: warning: this [ uses the output of `ip -4 addr show eth0` (fw.sh:2:9), which was not run; its outcome is a guess",
	})
	refused := 0
	for _, c := range res.Calls {
		if c.Refused {
			refused++
		}
	}
	if refused != 2 || res.Rules() != 4 {
		t.Errorf("%d refused, %d rules; want 2, 4", refused, res.Rules())
	}
	// the refused rule is in the source form
	bad := res.Files[1].Items[0].(*iptparse.BadLine)
	if bad.Text != "iptables -A INPUT -d $EXTIP -p tcp --dport 22 -j ACCEPT" {
		t.Errorf("bad line text %q", bad.Text)
	}
}

func TestDefines(t *testing.T) {
	src := `EXTIP=$(ip -4 addr show eth0 | cut -d/ -f1)
iptables -A INPUT -i $EXT_IF -d $EXTIP -j ACCEPT
LAN=192.168.1.0/24
iptables -A INPUT -s $LAN -j ACCEPT
case "$1" in
start) iptables -A INPUT -j DROP ;;
esac
`
	res, dir := runScript(t, src, map[string]string{"EXT_IF": "ens3", "EXTIP": "192.0.2.1", "LAN": "10.0.0.0/8", "1": "start"})
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:2:1 ipv4 -A INPUT -i ens3 -d 192.0.2.1 -j ACCEPT",
		"fw.sh:4:1 ipv4 -A INPUT -s 192.168.1.0/24 -j ACCEPT",
		"fw.sh:6:8 ipv4 -A INPUT -j DROP",
	})
	check(t, "warnings", warnings(res, dir), []string{
		`fw.sh:1:1: warning: EXTIP is "192.0.2.1" (from -D) instead of the output of $(ip -4 addr show eth0 | cut -d/ -f1)`,
		"fw.sh:3:1: warning: -D LAN has no effect from here on: the script sets LAN itself",
	})
}

func TestRestore(t *testing.T) {
	src := `iptables -A INPUT -i lo -j ACCEPT
iptables-restore -n <<EOF
*filter
:INPUT DROP [0:0]
-A INPUT -p tcp --dport 22 -j ACCEPT
COMMIT
EOF
cat <<EOF | ip6tables-restore
*filter
-A INPUT -p udp --dport 546 -j ACCEPT
COMMIT
EOF
iptables-restore < rules.v4
iptables-restore /etc/iptables/rules.v4
cat > /tmp/generated.rules <<EOF
*nat
-A POSTROUTING -o eth0 -j MASQUERADE
COMMIT
EOF
iptables-restore --noflush < /tmp/generated.rules
`
	rules := "*filter\n\n-A FORWARD -j DROP\nCOMMIT\n"
	res, dir := runScript(t, src, nil, "rules.v4", rules)
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:1:1 ipv4 -A INPUT -i lo -j ACCEPT",
		"fw.sh:4:1 ipv4 :INPUT DROP",
		"fw.sh:5:1 ipv4 -A INPUT -p tcp --dport 22 -j ACCEPT",
		"fw.sh:10:1 ipv6 -A INPUT -p udp --dport 546 -j ACCEPT",
		"rules.v4:3:1 ipv4 -A FORWARD -j DROP",
		"/tmp/generated.rules:2:1 ipv4 -A POSTROUTING -o eth0 -j MASQUERADE",
	})
	check(t, "warnings", warnings(res, dir), []string{
		"fw.sh:13:1: warning: iptables-restore without --noflush empties the tables it lists first; ipt2nft keeps the rules the script added to them before",
		"fw.sh:14:1: warning: not read: /etc/iptables/rules.v4 (outside the script's directory; ipt2nft does not read this machine's files); its rules are not translated",
		"fw.sh:15:5: warning: not written: /tmp/generated.rules",
	})
	if res.Rules() != 5 {
		t.Errorf("%d rules, want 5", res.Rules())
	}
	if _, err := os.Stat("/tmp/generated.rules"); err == nil {
		t.Errorf("/tmp/generated.rules was written")
	}
}

func TestRestoreFromPipeOfUnknownCommand(t *testing.T) {
	src := `curl -s https://example.com/rules | iptables-restore
`
	res, dir := runScript(t, src, nil)
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:1:37 BAD(rule=false) the input of iptables-restore uses the output of `curl -s https://example.com/rules` (fw.sh:1:1), which was not run; none of its rules is translated",
	})
}

func TestIdioms(t *testing.T) {
	src := `iptables -C INPUT -i lo -j ACCEPT 2>/dev/null || iptables -A INPUT -i lo -j ACCEPT
iptables -C INPUT -i lo -j ACCEPT 2>/dev/null || iptables -A INPUT -i lo -j ACCEPT
iptables -N BLOCK 2>/dev/null || iptables -F BLOCK
iptables -L BLOCK >/dev/null 2>&1 || iptables -N BLOCK
command -v ip6tables >/dev/null || exit 1
[ -x /sbin/iptables ] || exit 0
[ "$(id -u)" -eq 0 ] || exit 1
iptables -A BLOCK -j DROP
`
	res, dir := runScript(t, src, nil)
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:1:1 ipv4 -C INPUT -i lo -j ACCEPT",
		"fw.sh:1:50 ipv4 -A INPUT -i lo -j ACCEPT",
		"fw.sh:2:1 ipv4 -C INPUT -i lo -j ACCEPT",
		"fw.sh:3:1 ipv4 -N BLOCK",
		"fw.sh:4:1 ipv4 -L BLOCK",
		"fw.sh:8:1 ipv4 -A BLOCK -j DROP",
	})
}

func TestSourceEvalAndShells(t *testing.T) {
	src := `. ./vars.sh
. /etc/default/firewall
iptables -A INPUT -i $LAN_IF -j ACCEPT
lan_rules
eval "iptables -A INPUT -p tcp --dport $SSH -j ACCEPT"
sh -c 'iptables -A OUTPUT -o lo -j ACCEPT'
bash ./more.sh
`
	vars := "LAN_IF=eth1\nSSH=2222\nlan_rules() {\n  iptables -A FORWARD -i $LAN_IF -j ACCEPT\n}\n"
	more := "#!/bin/bash\niptables -A INPUT -p udp --dport 53 -j ACCEPT\n"
	res, dir := runScript(t, src, nil, "vars.sh", vars, "more.sh", more)
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:3:1 ipv4 -A INPUT -i eth1 -j ACCEPT",
		"vars.sh:4:3 ipv4 -A FORWARD -i eth1 -j ACCEPT",
		"fw.sh:5:1 ipv4 -A INPUT -p tcp --dport 2222 -j ACCEPT",
		"fw.sh:6:1 ipv4 -A OUTPUT -o lo -j ACCEPT",
		"more.sh:2:1 ipv4 -A INPUT -p udp --dport 53 -j ACCEPT",
	})
	check(t, "warnings", warnings(res, dir), []string{
		"fw.sh:2:1: warning: not read: /etc/default/firewall (outside the script's directory; ipt2nft does not read this machine's files)",
	})
}

func TestSyntaxErrorStopsThere(t *testing.T) {
	src := `iptables -A INPUT -i lo -j ACCEPT
if [ -x /sbin/iptables ]; then
iptables -A INPUT -j DROP
`
	res, dir := runScript(t, src, nil)
	got := summary(res, dir)
	if len(got) != 2 || !strings.HasPrefix(got[0], "fw.sh:1:1 ipv4 -A INPUT") || !strings.Contains(got[1], "shell syntax error") {
		t.Errorf("got %q", got)
	}
}

func TestTranscript(t *testing.T) {
	src := `root@gw:~# iptables -A INPUT -p tcp --dport 22 -j ACCEPT
root@gw:~# iptables -L
Chain INPUT (policy ACCEPT)
target     prot opt source               destination
ACCEPT     tcp  --  anywhere             anywhere            tcp dpt:ssh
[root@gw ~]# sudo iptables -A INPUT -p udp \
> --dport 53 -j ACCEPT
user@gw:/etc$ PORT=80; iptables -A INPUT -p tcp --dport $PORT -j ACCEPT
root@gw:~# exit
root@gw:~# iptables -A INPUT -j DROP
`
	if k := Detect("history.txt", src); k != KindTranscript {
		t.Fatalf("detected %s", k)
	}
	res, dir := runScript(t, src, nil)
	check(t, "captured", summary(res, dir), []string{
		"fw.sh:1:12 ipv4 -A INPUT -p tcp --dport 22 -j ACCEPT",
		"fw.sh:2:12 ipv4 -L",
		"fw.sh:6:14 ipv4 -A INPUT -p udp --dport 53 -j ACCEPT",
		"fw.sh:8:24 ipv4 -A INPUT -p tcp --dport 80 -j ACCEPT",
		"fw.sh:10:12 ipv4 -A INPUT -j DROP",
	})
	if w := res.Commands()[2].Words[4]; w.Text != "--dport" || w.Pos.Line != 7 || w.Pos.Col != 3 {
		t.Errorf("--dport at %s", w.Pos)
	}
}

func TestWireGuard(t *testing.T) {
	src := `[Interface]
Address = 10.0.0.1/24
PostUp = iptables -A FORWARD -i %i -j ACCEPT; iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE # nat
PostDown = iptables -D FORWARD -i %i -j ACCEPT
PreUp = sysctl -w net.ipv4.ip_forward=1
`
	if k := Detect("wg1.conf", src); k != KindWireGuard {
		t.Fatalf("detected %s", k)
	}
	dir := t.TempDir()
	name := filepath.Join(dir, "wg1.conf")
	res, err := Run(name, src, Options{Registry: translate.Registry{}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "captured", summary(res, dir), []string{
		"wg1.conf:3:10 ipv4 -A FORWARD -i wg1 -j ACCEPT",
		"wg1.conf:3:47 ipv4 -t nat -A POSTROUTING -o eth0 -j MASQUERADE",
	})
	check(t, "warnings", warnings(res, dir), []string{
		"wg1.conf:3:10: warning: %i is taken to be wg1 (set it with -D %i=NAME)",
		"wg1.conf:4:12: warning: not translated: PostDown runs when the interface goes down",
		"wg1.conf:5:9: warning: not run: sysctl -w net.ipv4.ip_forward=1",
	})
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name, src string
		want      Kind
	}{
		{"rules.v4", "*filter\n-A INPUT -j ACCEPT\nCOMMIT\n", KindNone},
		{"cmds.txt", "iptables -A INPUT -j ACCEPT\n# c\nsudo ip6tables -A INPUT -j DROP\n", KindNone},
		{"cmds.txt", "iptables -A INPUT -s $NET -j ACCEPT\n", KindShell},
		{"cmds.txt", "IPT=iptables\n$IPT -A INPUT -j ACCEPT\n", KindShell},
		{"cmds.txt", "iptables -A INPUT \\\n -j ACCEPT\n", KindShell},
		{"fw", "#!/bin/sh\n[ -x /sbin/iptables ] || exit 0\n", KindShell},
		{"fw", "[ -x /sbin/iptables ] || exit 0\niptables -F\n", KindShell},
		{"fw", ": ${IPT:=iptables}\n$IPT -F\n", KindShell},
		{"rules", "# c\n[0:0] -A INPUT -j ACCEPT\n", KindNone},
		{"fw", "#!/usr/bin/env bash\n", KindShell},
		{"fw", "#!/usr/sbin/nft -f\n", KindNone},
		{"fw.sh", "iptables -A INPUT -j ACCEPT\n", KindShell},
		{"x", "root@host:~# iptables -L\n", KindTranscript},
		{"x", "$ sudo iptables -L\noutput\n$ iptables -S\n", KindTranscript},
		{"wg0.conf", "[Interface]\nPostUp = iptables -A FORWARD -j ACCEPT\n", KindWireGuard},
	}
	for _, c := range cases {
		if got := Detect(c.name, c.src); got != c.want {
			t.Errorf("Detect(%q, %q) = %s, want %s", c.name, c.src, got, c.want)
		}
	}
}

// TestNothingWritten: a script that removes, downloads, writes and
// creates files leaves the file system as it was.
func TestNothingWritten(t *testing.T) {
	target := t.TempDir()
	victim := filepath.Join(target, "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`T=%s
rm -rf "$T/victim" "$T"
curl -o "$T/downloaded" http://127.0.0.1:9/
echo x > "$T/written"
echo y >> "$T/appended"
printf z | tee "$T/teed"
touch "$T/touched"
mkdir -p "$T/dir/sub"
cp "$T/victim" "$T/copy"
exec 3> "$T/fd3"
cat > "$T/heredoc" <<EOF
data
EOF
exec > "$T/all-output"
echo more
diff <(echo a) "$T/victim"
eval 'echo x > /tmp/sh-interp-ipt2nft-test; echo x > /nonexistent/ipt2nft-script-has-no-tmpdir/sh-interp-x; cat <(echo y) > "$T/evalled"'
. ./sourced.sh
iptables -A INPUT -j ACCEPT
`, target)
	res, dir := runScript(t, src, nil, "sourced.sh", "echo z > "+target+"/sourced; cat <(echo y) >/tmp/sh-interp-ipt2nft-test2\n")
	entries, err := os.ReadDir(target)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "victim" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the target directory holds %v, want only victim", names)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "keep me" {
		t.Errorf("victim changed: %q %v", b, err)
	}
	for _, p := range []string{"/tmp/sh-interp-ipt2nft-test", "/tmp/sh-interp-ipt2nft-test2", "/nonexistent"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was created", p)
		}
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("the script's directory holds %d files, want 1", len(entries))
	}
	if res.Rules() != 1 {
		t.Errorf("the script was not interpreted to its end: %d rules", res.Rules())
	}
}

func TestEndlessLoopStops(t *testing.T) {
	src := "iptables -A INPUT -j ACCEPT\nwhile true; do sleep 1; done\niptables -A INPUT -j DROP\n"
	dir := t.TempDir()
	start := time.Now()
	res, err := Run(filepath.Join(dir, "fw.sh"), src, Options{Registry: translate.Registry{}, Dir: dir, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	if res.Rules() != 1 {
		t.Errorf("%d rules, want 1", res.Rules())
	}
	ws := warnings(res, dir)
	if len(ws) == 0 || !strings.Contains(ws[len(ws)-1], "did not finish within 300ms") {
		t.Errorf("warnings %q", ws)
	}
}

func TestIpset(t *testing.T) {
	src := `ipset create blocklist hash:net -exist
for n in 192.0.2.0/24 198.51.100.0/24; do ipset add blocklist $n; done
ipset list blocklist >/dev/null || ipset create blocklist hash:net
/sbin/modprobe nf_conntrack_ftp
`
	res, dir := runScript(t, src, nil)
	kinds := ""
	for _, c := range res.Calls {
		kinds += " " + c.Kind.String()
	}
	if kinds != " ipset ipset ipset ipset modprobe" {
		t.Errorf("calls:%s", kinds)
	}
	check(t, "warnings", warnings(res, dir), nil)
	if res.IPSets == nil || len(res.IPSets.Sets) != 1 {
		t.Fatalf("sets: %+v", res.IPSets)
	}
	var got []string
	for _, e := range res.IPSets.Sets[0].Elements {
		got = append(got, e.Value)
	}
	check(t, "elements", got, []string{"192.0.2.0/24", "198.51.100.0/24"})
}

// TestIpsetState follows what a script does to its sets: -exist, flush,
// del, destroy, swap, restore, and refused calls the script tests.
func TestIpsetState(t *testing.T) {
	src := `ipset create a hash:ip timeout 60
ipset create a hash:ip || echo exists
ipset -exist create a hash:ip
ipset add a 192.0.2.1
ipset add a 192.0.2.1 2>/dev/null || ipset add a 192.0.2.2 timeout 5
ipset create tmp hash:ip
ipset add tmp 192.0.2.9
ipset swap tmp a
ipset destroy tmp
ipset restore -exist <<END
create b hash:net,port
add b 10.0.0.0/8,tcp:22
add b 10.0.0.0/8,tcp:22
END
ipset del b 10.0.0.0/8,tcp:22
ipset add b 172.16.0.0/12,udp:53
ipset flush c
`
	res, dir := runScript(t, src, nil)
	if res.IPSets == nil {
		t.Fatal("no sets")
	}
	var got []string
	for _, s := range res.IPSets.Sets {
		line := s.Name + " " + s.Type + ":"
		for _, e := range s.Elements {
			line += " " + e.Value
		}
		got = append(got, line)
	}
	check(t, "sets", got, []string{"a hash:ip: 192.0.2.9", "b hash:net,port: 172.16.0.0/12,udp:53"})
	check(t, "warnings", warnings(res, dir), []string{
		"fw.sh:2:1: warning: ipset: set a is created twice",
		"fw.sh:5:1: warning: ipset: element 192.0.2.1 cannot be added to set a: it's already added",
		"fw.sh:17:1: warning: ipset: set c does not exist",
	})
}

func TestExitTrap(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"trap 'iptables -A INPUT -j DROP' EXIT\niptables -A INPUT -j ACCEPT\n", "ACCEPT DROP"},
		{"trap 'iptables -A INPUT -j DROP' EXIT\niptables -A INPUT -j ACCEPT\nexit 0\niptables -A INPUT -j REJECT\n", "ACCEPT DROP"},
		{"iptables -A INPUT -j ACCEPT\nexit 1\niptables -A INPUT -j DROP\n", "ACCEPT"},
	} {
		res, _ := runScript(t, c.src, nil)
		var got []string
		for _, cmd := range res.Commands() {
			got = append(got, cmd.Rule.Target.Name)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q: targets %q, want %q", c.src, got, c.want)
		}
	}
}
func TestInitScriptNeedsArgument(t *testing.T) {
	src := `start() {
	iptables-restore -n <<EOF
*filter
-A INPUT -i lo -j ACCEPT
COMMIT
EOF
}
case "$1" in
start) start ;;
*) echo "Usage: $0 start"; exit 1 ;;
esac
`
	res, dir := runScript(t, src, nil)
	check(t, "warnings", warnings(res, dir), []string{
		"fw.sh:10:28: warning: the script exits here before it adds any rule; if it expects arguments (start, restart...), give them with -D 1=ARG",
	})
	res, dir = runScript(t, src, map[string]string{"1": "start"})
	check(t, "captured", summary(res, dir), []string{"fw.sh:4:1 ipv4 -A INPUT -i lo -j ACCEPT"})
	check(t, "warnings", warnings(res, dir), nil)
}

func TestBackgroundAndPipelines(t *testing.T) {
	src := `for i in 1 2 3 4 5; do iptables -A INPUT -p tcp --dport 10$i -j ACCEPT & done
echo "*filter
-A INPUT -p udp --dport 53 -j ACCEPT
COMMIT" | iptables-restore -n &
f() { iptables -A OUTPUT -p tcp --dport $1 -j ACCEPT; }
f 1 | f 2 | f 3
iptables -A FORWARD -j ACCEPT
`
	res, _ := runScript(t, src, nil)
	if res.Rules() != 10 {
		t.Errorf("%d rules, want 10", res.Rules())
	}
}

func TestLoopInputIsLeftToTheLoop(t *testing.T) {
	src := `while read port; do
	ip link show eth0
	iptables -A INPUT -p tcp --dport $port -j ACCEPT
done < ports.txt
`
	res, _ := runScript(t, src, nil, "ports.txt", "22\n80\n443\n")
	if res.Rules() != 3 {
		t.Errorf("%d rules, want 3", res.Rules())
	}
}

// FuzzDetectPrefilters: Detect runs its line patterns only on lines that
// pass a cheap test first; every line a pattern matches must pass it.
func FuzzDetectPrefilters(f *testing.F) {
	for _, l := range []string{"PostUp = iptables -A FORWARD -i wg0 -j ACCEPT", "  preup=x", "\tPreDown = y", "PoſtUp = z",
		"root@host:~# iptables -L", "[root@host ~]# iptables -S", "user@h:/etc$ ls", "$ iptables -A INPUT -j DROP", "$   x",
		"-A INPUT -m comment --comment user@host -j ACCEPT", "\x0bPostUp = a", "\u00a0PostUp = b", ""} {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, l string) {
		if wgHookRe.Get().MatchString(l) && !maybeHook(l) {
			t.Errorf("%q is a hook line, but maybeHook says no", l)
		}
		if promptRe.Get().MatchString(l) && strings.IndexByte(l, '@') < 0 {
			t.Errorf("%q is a prompt without an @", l)
		}
		if dollarPromptRe.Get().MatchString(l) && !strings.HasPrefix(l, "$") {
			t.Errorf("%q is a $ prompt not starting with $", l)
		}
	})
}

// TestHasLineSigns: an '=', '@' or '$' is found in any block of the
// text, at either end of one too.
func TestHasLineSigns(t *testing.T) {
	defer func(n int) { detectBlock = n }(detectBlock)
	detectBlock = 4
	for _, c := range []struct {
		src  string
		want bool
	}{
		{"", false},
		{"-A INPUT -j ACCEPT\n", false},
		{"=abcdefgh", true},
		{"abc@defgh", true},
		{"abcd$efgh", true},
		{"abcdefg=", true},
		{"abcdefghijklmnopqrstuvwxyz@", true},
	} {
		if got := hasLineSigns(c.src); got != c.want {
			t.Errorf("hasLineSigns(%q) = %v, want %v", c.src, got, c.want)
		}
	}
}
