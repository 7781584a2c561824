package emit

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/ir"
)

// The kernel test: each ruleset is loaded as text ("nft -f", the normal
// mode printer with Replace) in one network namespace and as JSON ("nft -j
// -f") in another; "nft list ruleset" of both must be the same.

type kernelCase struct {
	name string
	rs   func() *ir.Ruleset
	// text, if set, is the ruleset to load as text instead: the same
	// ruleset less what nft 1.0.6's JSON cannot carry (table, chain and
	// set comments; typeof, given as the type). The JSON is always made
	// from rs.
	text func() *ir.Ruleset
}

func kernelCases() []kernelCase {
	return []kernelCase{
		{"inet_filter", func() *ir.Ruleset { return inetFilter(true) }, func() *ir.Ruleset { return inetFilter(false) }},
		{"ip_nat", ipNat, nil},
		{"ip_mangle", ipMangle, nil},
		{"ip6_filter", ip6Filter, nil},
		{"netdev", netdevIngress, nil},
		{"bridge_arp", bridgeArp, nil},
	}
}

// expires counts down between listings.
var expiresRE = regexp.MustCompile(` expires [0-9dhms]+`)

func listRuleset(t *testing.T, ns *testutil.Netns) string {
	t.Helper()
	out, err := ns.Exec("", "nft", "list", "ruleset")
	if err != nil {
		t.Fatalf("nft list ruleset: %v\n%s", err, out)
	}
	return expiresRE.ReplaceAllString(out, "")
}

func loadJSON(ns *testutil.Netns, doc string) error {
	out, err := ns.Exec(doc, "nft", "-j", "-f", "-")
	if err != nil {
		return &loadError{err, out}
	}
	return nil
}

type loadError struct {
	err error
	out string
}

func (e *loadError) Error() string { return e.err.Error() + "\n" + e.out }

func TestJSONKernelSameAsText(t *testing.T) {
	for _, kc := range kernelCases() {
		t.Run(kc.name, func(t *testing.T) {
			textRS := kc.rs()
			if kc.text != nil {
				textRS = kc.text()
			}
			var text, doc strings.Builder
			p := &Printer{}
			if err := p.WriteRuleset(&text, textRS, RulesetOptions{Replace: true}); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&doc, kc.rs()); err != nil {
				t.Fatalf("WriteJSON: %v", err)
			}
			nsText := testutil.NewNetns(t)
			if err := nsText.NftLoad(text.String()); err != nil {
				t.Fatalf("loading the text: %v\n%s", err, text.String())
			}
			nsJSON := testutil.NewNetns(t)
			if err := loadJSON(nsJSON, doc.String()); err != nil {
				t.Fatalf("loading the JSON: %v\n%s", err, doc.String())
			}
			want, got := listRuleset(t, nsText), listRuleset(t, nsJSON)
			if got != want {
				t.Errorf("listings differ\n%s\n--- JSON:\n%s", testutil.LineDiff(want, got), doc.String())
			}
			// Loading the JSON again replaces the tables: same listing.
			if err := loadJSON(nsJSON, doc.String()); err != nil {
				t.Fatalf("loading the JSON twice: %v", err)
			}
			if again := listRuleset(t, nsJSON); again != got {
				t.Errorf("second load changed the ruleset\n%s", testutil.LineDiff(got, again))
			}
		})
	}
}

// TestJSONKernelAtomic checks that the JSON leaves other tables alone and
// that a JSON file that fails to load changes nothing.
func TestJSONKernelAtomic(t *testing.T) {
	ns := testutil.NewNetns(t)
	other := "table ip other {\n\tchain c {\n\t\tip saddr 1.2.3.4 drop\n\t}\n}\n"
	if err := ns.NftLoad(other); err != nil {
		t.Fatal(err)
	}
	var doc strings.Builder
	if err := WriteJSON(&doc, ipNat()); err != nil {
		t.Fatal(err)
	}
	if err := loadJSON(ns, doc.String()); err != nil {
		t.Fatalf("loading the JSON: %v", err)
	}
	before := listRuleset(t, ns)
	if !strings.Contains(before, "table ip other") || !strings.Contains(before, "table ip nat") {
		t.Fatalf("expected both tables:\n%s", before)
	}
	// The same tables with a rule the kernel refuses (a jump to a chain
	// that does not exist): nothing may change, not even the delete.
	broken := ipNat()
	broken.Tables[0].Chains[0].Rules = append(broken.Tables[0].Chains[0].Rules, rule(&ir.Verdict{Kind: ir.VerdictJump, Chain: "nowhere"}))
	doc.Reset()
	if err := WriteJSON(&doc, broken); err != nil {
		t.Fatal(err)
	}
	if err := loadJSON(ns, doc.String()); err == nil {
		t.Fatal("a jump to a missing chain loaded")
	}
	if after := listRuleset(t, ns); after != before {
		t.Errorf("a failed load changed the ruleset\n%s", testutil.LineDiff(before, after))
	}
}

// TestJSONKernelQueue: this kernel has no nft_queue, so queue rules fail
// in the kernel; the JSON must get that far (the same error as the text),
// not fail in nft's JSON parser.
func TestJSONKernelQueue(t *testing.T) {
	for _, q := range []ir.Stmt{
		&ir.Queue{Num: ir.Int(3), Flags: []string{"bypass"}},
		&ir.Queue{Num: ir.IntRange(1, 4), Flags: []string{"bypass", "fanout"}},
		&ir.Queue{},
		&ir.Verdict{Kind: ir.VerdictQueue},
	} {
		rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "q", Chains: []*ir.Chain{
			base("in", "filter", "input", prio("filter", 0), "", rule(q)),
		}}}}
		var text, doc strings.Builder
		p := &Printer{}
		p.WriteRuleset(&text, rs, RulesetOptions{Replace: true})
		if err := WriteJSON(&doc, rs); err != nil {
			t.Fatal(err)
		}
		ns := testutil.NewNetns(t)
		textOut, textErr := ns.Exec(text.String(), "nft", "-c", "-f", "-")
		jsonOut, jsonErr := ns.Exec(doc.String(), "nft", "-j", "-c", "-f", "-")
		if textErr == nil || jsonErr == nil {
			// A kernel with nft_queue: then both must load.
			if textErr != nil || jsonErr != nil {
				t.Errorf("%s: text: %v %s; JSON: %v %s", p.Stmt(q), textErr, textOut, jsonErr, jsonOut)
			}
			continue
		}
		const kernelErr = "Could not process rule: No such file or directory"
		if !strings.Contains(textOut, kernelErr) || !strings.Contains(jsonOut, kernelErr) {
			t.Errorf("%s: want the kernel's error for both\ntext: %s\nJSON: %s\n%s", p.Stmt(q), textOut, jsonOut, doc.String())
		}
	}
}

// TestJSONKernelTypeofTypes checks typeofTypes against nft: a set declared
// with "typeof KEY" in text is listed in JSON with the data type.
func TestJSONKernelTypeofTypes(t *testing.T) {
	var keys []string
	for k := range typeofTypes.Get() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("table inet t {\n")
	for i, k := range keys {
		fmt.Fprintf(&b, "\tset s%d { typeof %s; }\n", i, k)
	}
	b.WriteString("}\n")
	ns := testutil.NewNetns(t)
	if err := ns.NftLoad(b.String()); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	out, err := ns.Exec("", "nft", "-j", "list", "ruleset")
	if err != nil {
		t.Fatalf("nft -j list ruleset: %v\n%s", err, out)
	}
	var doc struct {
		Nftables []struct {
			Set *struct {
				Name string `json:"name"`
				Type any    `json:"type"`
			} `json:"set"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, o := range doc.Nftables {
		if o.Set == nil {
			continue
		}
		var i int
		fmt.Sscanf(o.Set.Name, "s%d", &i)
		if got, want := o.Set.Type, typeofTypes.Get()[keys[i]]; got != want {
			t.Errorf("typeof %s: nft says type %v, typeofTypes.Get() says %s", keys[i], got, want)
		}
		seen++
	}
	if seen != len(keys) {
		t.Errorf("listed %d sets, want %d", seen, len(keys))
	}
}
