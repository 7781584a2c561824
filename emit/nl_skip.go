package emit

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/ir"
)

// printedAsComment reports whether the text printer writes r as a comment
// or not at all (untranslated rules, rules that can never match, rules
// without statements): the netlink backend leaves exactly those out, so
// that both outputs always hold the same rules. It asks the printer
// itself rather than repeating its conditions.
func printedAsComment(r *ir.Rule) bool {
	var b textBuf
	(&Printer{}).writeRule(&b, r)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	return last == "" || strings.HasPrefix(last, "#")
}
