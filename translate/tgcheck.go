package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Checks the kernel makes when a target is loaded (x_tables' .table,
// .hooks and .proto of a target, and the targets' own checkentry). The
// iptables command line parses, but the kernel refuses the rule, so
// iptables fails: these are input errors. Hooks can only be checked in
// built-in chains; a user chain's hooks depend on who jumps to it.

// checkTable reports an error unless the rule is in one of the tables
// (x_tables: "only valid in nat table, not filter").
func (c *Ctx) checkTable(x *iptparse.Ext, tables ...string) error {
	for _, t := range tables {
		if c.Table == t {
			return nil
		}
	}
	return c.Errorf(x, "%s target: only valid in %s table, not %s", x.Name, strings.Join(tables, "/"), c.Table)
}

// requireTCP reports an error unless the rule matches -p tcp (not negated),
// like x_tables' check of a target's .proto.
func (c *Ctx) requireTCP(x *iptparse.Ext) error {
	if p, ok := c.Protocol(); ok && p == 6 {
		return nil
	}
	return c.Errorf(x, "%s target: only valid for protocol 6 (needs -p tcp)", x.Name)
}

// optError is an input error about one option of an extension.
func optError(x *iptparse.Ext, o *iptparse.Option, format string, args ...any) error {
	pos := x.Pos
	if o != nil {
		pos = o.Pos
	}
	return &iptparse.Error{Pos: pos, Ext: x.Label(), Msg: fmt.Sprintf(format, args...)}
}

// posBefore reports whether a comes before b in the same input.
func posBefore(a, b iptparse.Pos) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}
