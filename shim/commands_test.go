package shim_test

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

// TestCommandsLikeLegacy runs the same iptables commands through the shim
// and through iptables-legacy, each in its own namespace: exit statuses,
// the "iptables: ..." messages, and -S after every command must agree.
// The rules cover the extensions whose -S wording the shim reproduces.
func TestCommandsLikeLegacy(t *testing.T) {
	bin := tools(t)
	legacy := side{ns: testutil.NewNetns(t)}
	ours := side{ns: testutil.NewNetns(t), dir: bin}
	cmds := []string{
		"-A INPUT -p tcp --dport ssh -s 10.1.2.3/24 -j ACCEPT",
		"-A INPUT -p tcp --sport 1024: --dport :1023 --syn -j DROP",
		"-A INPUT -p tcp ! --tcp-flags ALL NONE --tcp-option 2 -j DROP",
		"-A INPUT -p udp -m udp ! --dport 53:54 -j ACCEPT",
		"-A INPUT -p icmp --icmp-type echo-request -m limit --limit 60/min --limit-burst 7 -j ACCEPT",
		"-A INPUT -p icmp --icmp-type port-unreachable -j ACCEPT",
		"-A INPUT -p icmp --icmp-type any -j ACCEPT",
		"-A INPUT -m state --state established,related,new -j ACCEPT",
		"-A INPUT -m conntrack --ctstate NEW,INVALID --ctstatus ASSURED,EXPECTED --ctorigsrc 10.0.0.1 --ctdir REPLY -j DROP",
		"-A INPUT -p tcp -m multiport --dports http,https,8000:8080 -j ACCEPT",
		"-A INPUT -m comment --comment 'it''s \"quoted\"' -j RETURN",
		"-A INPUT -m mark --mark 0x10/0xf0 -m mac --mac-source aa:bb:cc:dd:ee:ff -j ACCEPT",
		"-A INPUT -m length --length 100:200 -m pkttype --pkt-type BROADCAST -j DROP",
		"-A INPUT -j LOG --log-prefix fw: --log-level info --log-tcp-options",
		"-A INPUT -j LOG --log-tcp-sequence --log-tcp-options",
		"-A INPUT -m realm --realm cosmos -m devgroup --src-group default -j ACCEPT",
		"-A INPUT -p tcp -j REJECT --reject-with tcp-rst",
		"-A INPUT -j REJECT",
		"-A INPUT ! -i lo ! -s 127.0.0.0/8 -d 0/0 -f -j DROP",
		"-A OUTPUT -o eth+ -p 47 -j ACCEPT",
		"-A FORWARD -i eth0 -o eth1 -j NFLOG --nflog-group 3 --nflog-prefix x",
		"-t mangle -A PREROUTING -j MARK --set-mark 5",
		"-t mangle -A PREROUTING -j MARK --or-mark 0x100",
		"-t mangle -A PREROUTING -j CONNMARK --restore-mark --mask 0xff",
		"-t mangle -A POSTROUTING -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
		"-t nat -A POSTROUTING -o eth0 -j MASQUERADE",
		"-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2:8080",
		"-t raw -A PREROUTING -j NOTRACK",
		// commands and their failures
		"-N FOO", "-N FOO", "-A NOPE -j ACCEPT", "-A INPUT -j NOPE", "-X NOPE",
		"-A FOO -j ACCEPT", "-I INPUT 3 -j FOO", "-X FOO", "-F FOO", "-X FOO",
		"-C INPUT -p tcp --dport 22 -s 10.1.2.0/24 -j ACCEPT",
		"-C INPUT -p tcp --dport 23 -j ACCEPT",
		"-D INPUT -p tcp --dport 23 -j ACCEPT",
		"-D INPUT -p tcp --dport 22 -s 10.1.2.0/24 -j ACCEPT",
		"-D INPUT 100", "-I INPUT 100 -j ACCEPT", "-R INPUT 100 -j ACCEPT",
		"-R INPUT 1 -s 1.1.1.1 -j DROP", "-D INPUT 2",
		"-I INPUT -s 2.2.2.2,3.3.3.3 -j ACCEPT",
		"-P FOO DROP", "-P INPUT BLAH", "-P INPUT DROP",
		"-N BAR", "-E BAR FOO", "-E NOPE X", "-E BAR BAZ", "-A INPUT -j BAZ", "-E BAZ QUX",
		// a chain with rules and none jumping to it; -X of all names
		// the last chain that cannot go
		"-N NE", "-A NE -j ACCEPT", "-X NE", "-X", "-F NE", "-X NE",
		"-S NOPE", "-S INPUT 2", "-F", "-X", "-t nat -F", "-t nat -S POSTROUTING",
	}
	for _, c := range cmds {
		args := splitArgs(c)
		_, le, lc := legacy.run("", "iptables", args...)
		_, oe, oc := ours.run("", "iptables", args...)
		if lc != oc {
			t.Errorf("iptables %s: status %d, legacy %d\n  shim: %s\n  legacy: %s", c, oc, lc, strings.TrimSpace(oe), strings.TrimSpace(le))
			continue
		}
		if strings.HasPrefix(le, "iptables: ") && le != oe {
			t.Errorf("iptables %s: message %q, legacy %q", c, oe, le)
		}
		tables := []string{"filter"}
		if len(args) > 1 && args[0] == "-t" {
			tables = []string{args[1]}
		}
		for _, table := range tables {
			want, _, _ := legacy.run("", "iptables", "-t", table, "-S")
			got, _, _ := ours.run("", "iptables", "-t", table, "-S")
			if want != got {
				t.Fatalf("after iptables %s: -t %s -S differs:\n%s", c, table, testutil.LineDiff(want, got))
			}
		}
	}
}

// splitArgs splits on spaces; '...' groups words, ” inside is one '.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	inQ, has := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\'' && inQ && i+1 < len(s) && s[i+1] == '\'':
			cur.WriteByte('\'')
			i++
		case ch == '\'':
			inQ, has = !inQ, true
		case ch == ' ' && !inQ:
			if has || cur.Len() > 0 {
				out = append(out, cur.String())
			}
			cur.Reset()
			has = false
		default:
			cur.WriteByte(ch)
		}
	}
	if has || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// TestInsertAndAppendLikeLegacy: rules inserted at the head and appended
// to a chain the kernel already has, by iptables and by restore
// --noflush, mixed with inserts by number, deletes and checks that read
// the chain, end in the order iptables-legacy gives. (The shim lost a
// rule appended in a restore before an insert by number.) A comment
// longer than iptables keeps is cut as iptables cuts it.
func TestInsertAndAppendLikeLegacy(t *testing.T) {
	bin := tools(t)
	long := strings.Repeat("c", 300)
	steps := []struct{ tool, stdin, args string }{
		{"iptables", "", "-N X"},
		{"iptables", "", "-A X -s 1.1.1.1 -j DROP"},
		{"iptables", "", "-A X -s 1.1.1.2 -j DROP"},
		{"iptables-restore", "*filter\n-A X -s 2.2.2.2 -j DROP\n-I X 1 -s 3.3.3.3 -j DROP\nCOMMIT\n", "--noflush"},
		{"iptables", "", "-I X -s 4.4.4.4,4.4.4.5 -j DROP"},
		{"iptables", "", "-I X 1 -s 5.5.5.5 -m comment --comment " + long + " -j DROP"},
		{"iptables-restore", "*filter\n-I X 1 -s 6.6.6.6 -j DROP\n-A X -s 7.7.7.7 -j DROP\n-I X -s 8.8.8.8,8.8.8.9 -j DROP\n-I X 3 -s 9.9.9.9 -j DROP\n-I X 1 -s 10.0.0.1 -j DROP\nCOMMIT\n", "--noflush"},
		{"iptables-restore", "*filter\n-I X 1 -s 11.0.0.1 -j DROP\n-D X -s 1.1.1.1 -j DROP\nCOMMIT\n", "--noflush"},
		{"iptables-restore", "*filter\n-I X 1 -s 12.0.0.1 -j DROP\n-C X -s 12.0.0.1 -j DROP\n-A X -s 13.0.0.1 -j DROP\n-R X 2 -s 14.0.0.1 -j DROP\nCOMMIT\n", "--noflush"},
		{"iptables", "", "-I X 1 -s 15.0.0.1 -j DROP"},
		{"iptables", "", "-D X -s 13.0.0.1 -j DROP"},
	}
	legacy := side{ns: testutil.NewNetns(t)}
	ours := side{ns: testutil.NewNetns(t), dir: bin}
	for _, s := range steps {
		args := strings.Fields(s.args)
		_, le, lc := legacy.run(s.stdin, s.tool, args...)
		_, oe, oc := ours.run(s.stdin, s.tool, args...)
		if lc != oc {
			t.Fatalf("%s %s: status %d, legacy %d\n  shim: %s\n  legacy: %s", s.tool, s.args, oc, lc, strings.TrimSpace(oe), strings.TrimSpace(le))
		}
		want, _, _ := legacy.run("", "iptables", "-S", "X")
		got, _, _ := ours.run("", "iptables", "-S", "X")
		if want != got {
			t.Fatalf("after %s %s %q: -S X differs:\n%s", s.tool, s.args, s.stdin, testutil.LineDiff(want, got))
		}
	}
	if got, _, _ := ours.run("", "iptables", "-S", "X"); strings.Count(got, "\n") != 16 || !strings.Contains(got, strings.Repeat("c", 255)+" ") {
		t.Errorf("-S X at the end:\n%s", got)
	}
}
