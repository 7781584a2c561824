package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/script"
	"github.com/ipt2nft/ipt2nft/translate"
)

// scriptExpect is what each real-world script issues on its main path
// (docs/scripts.md explains every difference with MANIFEST.md's count).
var scriptExpect = map[string]struct {
	kind    script.Kind
	rules   int // rule commands (-A/-I/-R) captured
	refused int // of which depend on the output of a command that is not run
	// manifest is MANIFEST.md's count, when it differs from rules
	manifest int
}{
	"04-ipsec-l2tp-vpn-server.sh":             {script.KindShell, 23, 0, 0},
	"05-tor-transparent-proxy-kalitorify.sh":  {script.KindShell, 20, 2, 17}, // the for loop issues 4 rules
	"06-anti-ddos-protectionddos.sh":          {script.KindShell, 53, 0, 0},
	"10-anti-portscan-ipset-install.sh":       {script.KindShell, 6, 0, 0},
	"29-bash-history-iptables.sh":             {script.KindTranscript, 11, 0, 0},
	"31-rlworkman-gateway-script.sh":          {script.KindShell, 28, 0, 0},
	"34-game-anti-ddos-u32-string.sh":         {script.KindShell, 25, 0, 0},
	"35-wireguard-postup-game-gateway-u32.sh": {script.KindShell, 50, 0, 0},
	"36-zapret-nfqueue-tproxy-examples.sh":    {script.KindShell, 15, 0, 0},
	"37-suricata-ips-nfqueue-entrypoint.sh":   {script.KindShell, 3, 0, 0},
	"38-wireguard-cgnat-gateway-wg0.sh":       {script.KindWireGuard, 3, 0, 0},
}

var manifestRules = regexp.MustCompile(`(?m)^### (\S+\.sh)\n(?:.*\n)*?\* Format: .*\*\*(\d+) rules\*\*`)

// TestRealWorldScripts interprets the real-world scripts and checks the
// number of rule commands each issues; it reports how many translate
// (most need extensions beyond the ones this test asserts nothing about).
func TestRealWorldScripts(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus/realworld")
	files, _ := filepath.Glob(filepath.Join(dir, "*.sh"))
	sort.Strings(files)
	if len(files) != len(scriptExpect) {
		t.Errorf("%d .sh files, want %d", len(files), len(scriptExpect))
	}
	manifest := map[string]int{}
	if b, err := os.ReadFile(filepath.Join(dir, "MANIFEST.md")); err == nil {
		for _, m := range manifestRules.FindAllStringSubmatch(string(b), -1) {
			manifest[m[1]], _ = strconv.Atoi(m[2])
		}
	}
	var ns *testutil.Netns
	if ok, why := testutil.CanUseNetns(); ok {
		ns = testutil.NewNetns(t)
	} else {
		t.Logf("outputs not loaded: %s", why)
	}
	var report strings.Builder
	fmt.Fprintf(&report, "| file | kind | manifest | captured | refused | translated | untranslated | errors |\n|---|---|--:|--:|--:|--:|--:|--:|\n")
	var tot [6]int
	for _, path := range files {
		name := filepath.Base(path)
		want, ok := scriptExpect[name]
		if !ok {
			t.Errorf("%s: no expectation", name)
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := script.Run(name, string(data), script.Options{Registry: translate.Registry{}, Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		refused := 0
		for _, c := range res.Calls {
			if c.Refused {
				refused += c.Rules
			}
		}
		if res.Kind != want.kind {
			t.Errorf("%s: read as %s, want %s", name, res.Kind, want.kind)
		}
		if res.Rules() != want.rules || refused != want.refused {
			t.Errorf("%s: %d rule commands captured (%d refused), want %d (%d)", name, res.Rules(), refused, want.rules, want.refused)
		}
		m := want.manifest
		if m == 0 {
			m = want.rules
		}
		if got, ok := manifest[name]; ok && got != m {
			t.Errorf("%s: MANIFEST.md counts %d rules, expected %d", name, got, m)
		}
		tr := translate.New(translate.Options{})
		if res.IPSets != nil {
			tr.AddIPSets(res.IPSets)
		}
		for _, f := range res.Files {
			tr.AddFile(f)
		}
		rs := tr.Ruleset()
		translate.MergeInet(rs, &translate.OptReport{})
		translate.Optimize(rs, translate.AllOpt())
		st := tr.Stats()
		// the sets the script fills become nft sets with those elements
		if res.IPSets != nil {
			want, got := 0, 0
			for _, set := range res.IPSets.Sets {
				want += len(set.Elements)
			}
			for _, tbl := range rs.Tables {
				for _, set := range tbl.Sets {
					got += len(set.Elements)
				}
			}
			if got != want {
				t.Errorf("%s: the script leaves %d ipset elements, the output has %d", name, want, got)
			}
		}
		setAsideQueue(rs)
		var out strings.Builder
		if err := (&emit.Printer{}).WriteRuleset(&out, rs, emit.RulesetOptions{Replace: true}); err != nil {
			t.Fatal(err)
		}
		if ns != nil {
			if err := ns.NftCheck(out.String()); err != nil {
				t.Errorf("%s: output does not load: %v", name, err)
			}
		}
		if st.Rules != res.Rules() {
			t.Errorf("%s: the translator counts %d rules, the script %d", name, st.Rules, res.Rules())
		}
		fmt.Fprintf(&report, "| %s | %s | %d | %d | %d | %d | %d | %d |\n", name, res.Kind, manifest[name], res.Rules(), refused, st.Translated, st.Untranslated, st.Errors)
		for i, v := range []int{manifest[name], res.Rules(), refused, st.Translated, st.Untranslated, st.Errors} {
			tot[i] += v
		}
	}
	fmt.Fprintf(&report, "| total | | %d | %d | %d | %d | %d | %d |\n", tot[0], tot[1], tot[2], tot[3], tot[4], tot[5])
	t.Log("\n" + report.String())
	// errors are commands iptables refuses too, or that need -D
	if valid := tot[1] - tot[5]; tot[3]*100 < 95*valid {
		t.Errorf("%d of %d rule commands translate, want at least 95%%", tot[3], valid)
	}
}
