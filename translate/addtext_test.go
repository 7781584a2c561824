package translate

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/gen"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestAddTextAsAddFile: translating while parsing on several cores gives
// the ruleset, diagnostics and counts of parsing first.
func TestAddTextAsAddFile(t *testing.T) {
	for _, shape := range []gen.Shape{gen.Mixed, gen.Dispatch} {
		var buf bytes.Buffer
		if err := gen.Write(&buf, gen.Options{Rules: 4000, Shape: shape, Seed: 2, Counters: true}); err != nil {
			t.Fatal(err)
		}
		// Some lines iptables rejects, among the others.
		lines := strings.Split(buf.String(), "\n")
		for i := 50; i < len(lines); i += 97 {
			if strings.Contains(lines[i], "-A ") {
				lines[i] = strings.Replace(lines[i], "-j ", "-m nosuch -j ", 1)
			}
		}
		src := strings.Join(lines, "\n")
		a, b := New(Options{}), New(Options{})
		a.AddText("t", src, iptparse.FamilyAny)
		b.AddFile(iptparse.ParseFile("t", src, Registry{}, iptparse.FamilyAny))
		if !reflect.DeepEqual(a.Ruleset(), b.Ruleset()) || !reflect.DeepEqual(a.Diags(), b.Diags()) || a.Stats() != b.Stats() {
			t.Errorf("%s: AddText and AddFile differ", shape)
		}
		if a.Stats().Errors == 0 {
			t.Errorf("%s: no errors: the test input is not what it should be", shape)
		}
	}
}
