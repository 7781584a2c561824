package shim_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/script"
	"github.com/ipt2nft/ipt2nft/shim"
	"github.com/ipt2nft/ipt2nft/translate"
	"github.com/ipt2nft/ipt2nft/verify"
)

// call is one iptables invocation of a client.
type call struct {
	prog string // iptables or ip6tables
	args []string
}

// dockerCalls is what dockerd does to iptables when it starts, runs a
// container publishing a port, stops it and starts another: chains made
// with -N, rules checked with -C before being added (-A) or put first
// (-I), and deleted by specification (-D) when the container goes.
var dockerCalls = func() []call {
	lines := []string{
		"-t nat -N DOCKER",
		"-t filter -N DOCKER",
		"-t filter -N DOCKER-ISOLATION-STAGE-1",
		"-t filter -N DOCKER-ISOLATION-STAGE-2",
		"-t filter -N DOCKER-USER",
		"-t nat -C PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
		"-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
		"-t nat -C OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
		"-t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
		"-t nat -C POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
		"-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
		"-t nat -I DOCKER -i docker0 -j RETURN",
		"-t filter -C DOCKER-USER -j RETURN",
		"-t filter -A DOCKER-USER -j RETURN",
		"-t filter -C FORWARD -j DOCKER-USER",
		"-t filter -I FORWARD -j DOCKER-USER",
		"-t filter -I FORWARD -j DOCKER-ISOLATION-STAGE-1",
		"-t filter -I DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2",
		"-t filter -A DOCKER-ISOLATION-STAGE-1 -j RETURN",
		"-t filter -I DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP",
		"-t filter -A DOCKER-ISOLATION-STAGE-2 -j RETURN",
		"-t filter -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
		"-t filter -A FORWARD -o docker0 -j DOCKER",
		"-t filter -A FORWARD -i docker0 ! -o docker0 -j ACCEPT",
		"-t filter -A FORWARD -i docker0 -o docker0 -j ACCEPT",
		// container 1 publishes 8080 -> 80
		"-t nat -C DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
		"-t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
		"-t filter -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT",
		"-t nat -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE",
		// container 2 publishes 8443 -> 443 (spelled differently)
		"-t nat -A DOCKER ! -i docker0 -p tcp --dport 8443 -j DNAT --to-destination 172.17.0.3:443",
		"-t filter -A DOCKER -d 172.17.0.3 ! -i docker0 -o docker0 -p tcp --dport https -j ACCEPT",
		// container 1 stops
		"-t nat -D DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
		"-t filter -D DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT",
		"-t nat -D POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE",
		"-t nat -C DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
		"-t nat -D DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
		// the daemon restarts: the jump to DOCKER-USER goes first again
		"-t filter -D FORWARD -j DOCKER-USER",
		"-t filter -I FORWARD -j DOCKER-USER",
		"-t filter -D FORWARD 3",
		"-t filter -R FORWARD 2 -j DOCKER-ISOLATION-STAGE-1",
		"-t filter -N DOCKER",
		"-t filter -X DOCKER",
		"-t filter -X DOCKER-ISOLATION-STAGE-2",
		"-t filter -E DOCKER-USER DOCKER-USER2",
		"-t filter -E DOCKER-USER2 DOCKER-USER",
		"-t filter -P FORWARD DROP",
	}
	var out []call
	for _, l := range lines {
		out = append(out, call{"iptables", append([]string{"-w"}, strings.Fields(l)...)})
	}
	return out
}()

// scriptCalls extracts the iptables calls of a real script (interpreted
// by ipt2nft's script reader, never run: the scripts also load modules
// and write to /proc).
func scriptCalls(t *testing.T, name string) []call {
	dir := testutil.SharedDir(t, "corpus/realworld")
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	res, err := script.Run(name, string(b), script.Options{Registry: translate.Registry{}, Defines: map[string]string{"IPT": "iptables"}})
	if err != nil {
		t.Fatal(err)
	}
	var out []call
	for _, c := range res.Calls {
		prog := filepath.Base(c.Program)
		prog = strings.TrimSuffix(strings.TrimSuffix(prog, "-legacy"), "-nft")
		if c.Refused || (prog != "iptables" && prog != "ip6tables") {
			continue
		}
		out = append(out, call{prog, c.Args})
	}
	if len(out) == 0 {
		t.Fatalf("%s: no iptables calls found", name)
	}
	return out
}

// TestRealClients replays real iptables clients through the shim in one
// namespace and through iptables-legacy in another: every call must end
// with the same exit status, -S must print the same in every table, and
// packets must meet the same fates (kernel differential harness).
//
// 37-suricata-ips-nfqueue-entrypoint.sh is not among them: its rules
// send every packet to NFQUEUE, which this kernel cannot load (no
// nft_queue), so 38-wireguard-cgnat-gateway-wg0.sh and
// 05-tor-transparent-proxy-kalitorify.sh stand in.
func TestRealClients(t *testing.T) {
	bin := tools(t)
	h, err := verify.New(verify.Options{})
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	defer h.Close()
	clients := []struct {
		name  string
		calls func(*testing.T) []call
	}{
		{"31-rlworkman-gateway-script.sh", func(t *testing.T) []call { return scriptCalls(t, "31-rlworkman-gateway-script.sh") }},
		{"38-wireguard-cgnat-gateway-wg0.sh", func(t *testing.T) []call { return scriptCalls(t, "38-wireguard-cgnat-gateway-wg0.sh") }},
		{"05-tor-transparent-proxy-kalitorify.sh", func(t *testing.T) []call { return scriptCalls(t, "05-tor-transparent-proxy-kalitorify.sh") }},
		{"docker-like", func(*testing.T) []call { return dockerCalls }},
	}
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			calls := cl.calls(t)
			legacy := side{ns: testutil.NewNetns(t)}
			ours := side{ns: testutil.NewNetns(t), dir: bin}
			fams := map[string]bool{}
			for _, c := range calls {
				fams[c.prog] = true
				_, le, lc := legacy.run("", c.prog, c.args...)
				_, oe, oc := ours.run("", c.prog, c.args...)
				if lc != oc {
					t.Errorf("%s %s: exit status %d (legacy: %d)\n  shim: %s\n  legacy: %s", c.prog, strings.Join(c.args, " "), oc, lc, strings.TrimSpace(oe), strings.TrimSpace(le))
				}
			}
			for prog := range fams {
				for _, table := range []string{"filter", "nat", "mangle", "raw"} {
					want, _, _ := legacy.run("", prog, "-t", table, "-S")
					got, _, _ := ours.run("", prog, "-t", table, "-S")
					if want != got {
						t.Errorf("%s -t %s -S differs:\n%s", prog, table, testutil.LineDiff(want, got))
					}
				}
				fam := iptparse.FamilyIPv4
				nftFam := "ip"
				if prog == "ip6tables" {
					fam, nftFam = iptparse.FamilyIPv6, "ip6"
				}
				save, _, _ := legacy.run("", prog+"-save")
				nft, e, code := run(ours.ns, "", "nft", "list", "table", nftFam, shim.TableName)
				if code != 0 {
					t.Fatalf("nft list: %s", e)
				}
				ps, err := verify.Probes(save, fam, 200, 1)
				if err != nil {
					t.Fatal(err)
				}
				res, err := h.Compare(context.Background(), verify.Ruleset{IptablesSave: save, Family: fam}, verify.Ruleset{Nft: nft}, ps)
				if err != nil {
					t.Fatalf("compare: %v", err)
				}
				t.Logf("%s: %d calls; %s: %d probes, %d same, %d differ", cl.name, len(calls), prog, len(res.Probes), res.Same, res.Differ)
				for _, d := range res.Differences() {
					t.Errorf("probe differs: %+v", d)
				}
			}
		})
	}
}
