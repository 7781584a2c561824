package kernel_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/ir"
)

var queueLine = regexp.MustCompile(`\[ queue [^\]]*\]`)

// TestQueueBytecode checks the queue statement, which this kernel cannot
// load, against the bytecode nft prints for the same text in check mode
// ("nft -c --debug=netlink" prints it before the kernel refuses it).
func TestQueueBytecode(t *testing.T) {
	cases := []*ir.Queue{
		{},
		{Num: ir.Int(3)},
		{Num: ir.IntRange(1, 3), Flags: []string{"bypass", "fanout"}},
		{Num: ir.Int(2), Flags: []string{"bypass"}},
		{Num: ir.IntRange(0, 7), Flags: []string{"fanout", "bypass"}},
	}
	ns := testutil.NewNetns(t)
	for _, q := range cases {
		p := &emit.Printer{}
		text := p.Stmt(q)
		t.Run(text, func(t *testing.T) {
			src := fmt.Sprintf("table ip t {\n\tchain c {\n\t\t%s\n\t}\n}\n", text)
			out, _ := ns.Exec(src, "nft", "-c", "--debug=netlink", "-f", "-")
			want := queueLine.FindString(out)
			if want == "" {
				t.Fatalf("no queue expression in nft's output:\n%s", out)
			}
			rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "t", Chains: []*ir.Chain{{Name: "c", Rules: []*ir.Rule{{Stmts: []ir.Stmt{q}}}}}}}}
			prog, err := emit.CompileNetlink(rs)
			if err != nil {
				t.Fatal(err)
			}
			got := emit.DescribeQueue(prog.Tables[0].Chains[0].Rules[0].Exprs[0])
			if got != want {
				t.Errorf("netlink %q, nft %q", got, want)
			}
		})
	}
}
