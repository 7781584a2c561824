package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Helpers shared by several match extensions (mark, connmark, devgroup,
// realm, conntrack, addrtype...).

// maskedMatch is what upstream's print_mark_xlate writes for a
// "value[/mask]" option: "KEY [!=] VALUE" when the mask is all ones, else
// "KEY and MASK ==|!= VALUE", values in hexadecimal.
func maskedMatch(key ir.Expr, value, mask uint64, neg bool) *ir.Match {
	if mask != 0xffffffff {
		op := ir.CmpEq
		if neg {
			op = ir.CmpNe
		}
		return &ir.Match{
			Left:  &ir.Binary{Op: ir.OpAnd, Left: key, Right: ir.Hex(mask), Words: true},
			Op:    op,
			Right: ir.Hex(value),
		}
	}
	return ir.EqOrNe(key, neg, ir.Hex(value))
}

// warnMaskedValue warns about "value/mask" where the value has bits
// outside the mask: such a test never matches (or always, negated).
func (c *Ctx) warnMaskedValue(x *iptparse.Ext, opt string, value, mask uint64, neg bool) {
	if value&^mask == 0 {
		return
	}
	what := "never matches"
	if neg {
		what = "always matches"
	}
	c.Warn(x.Pos, "%s: --%s 0x%x/0x%x: the value has bits outside the mask, so the test %s", x.Label(), opt, value, mask, what)
}

// hook returns the netfilter hook ("input", "output"...) of the rule's
// chain when it is a built-in chain, or "" for user chains.
func (c *Ctx) hook() string {
	if isBuiltinChain(c.Table, c.Chain) {
		return hookOf(c.Chain)
	}
	return ""
}

// checkHooks reports an error when the rule is in a built-in chain whose
// hook the kernel module does not accept (x_tables checks .hooks when the
// rule is loaded). User chains are not checked: the hooks they are reached
// from are not known here.
func (c *Ctx) checkHooks(x *iptparse.Ext, what string, allowed ...string) error {
	if c.hookAllowed(allowed) {
		return nil
	}
	return c.hooksError(x, what, allowed)
}

// checkTargetHooks is checkHooks for a target, "NAME target" in the
// error: the name is put together only for the error (it was an
// allocation for every NAT rule).
func (c *Ctx) checkTargetHooks(x *iptparse.Ext, allowed ...string) error {
	if c.hookAllowed(allowed) {
		return nil
	}
	return c.hooksError(x, x.Name+" target", allowed)
}

// hookAllowed reports whether the rule's chain is a user chain or one
// of the allowed hooks' built-in chains.
func (c *Ctx) hookAllowed(allowed []string) bool {
	h := c.hook()
	if h == "" {
		return true
	}
	for _, a := range allowed {
		if a == h {
			return true
		}
	}
	return false
}

func (c *Ctx) hooksError(x *iptparse.Ext, what string, allowed []string) error {
	up := make([]string, len(allowed))
	for i, a := range allowed {
		up[i] = strings.ToUpper(a)
	}
	return c.Errorf(x, "%s: used from chain %s, but only valid from %s (the kernel refuses the rule)", what, c.Chain, strings.Join(up, "/"))
}

// strncasePrefix is "strncasecmp(word, name, len(word)) == 0": word is a
// case-insensitive prefix of name (iptables accepts abbreviations this
// way in several list options).
func strncasePrefix(word, name string) bool {
	return len(word) <= len(name) && strings.EqualFold(word, name[:len(word)])
}

// parseValMask parses "value[/mask]" or a name like libxtables'
// xtables_parse_val_mask. Names are not looked up (the name tables in
// /etc/iproute2 belong to the machine that loads the rules): a name is
// returned as is, for nft to resolve there. Numbers accept 0x hex and 0
// octal.
func parseValMask(ext, opt, arg string) (val, mask uint64, name string, err error) {
	mask = 0xffffffff
	num, rest := splitUint(arg)
	if num == "" {
		return 0, 0, arg, nil
	}
	v, ok := iptparse.ParseUint(num, 0, 0, 0xffffffff)
	if !ok {
		return 0, 0, "", fmt.Errorf("%s: bad integer value for option \"--%s\", or out of range.", ext, opt)
	}
	if rest == "" {
		return v, mask, "", nil
	}
	if rest[0] != '/' {
		// xtables_parse_val_mask falls back to the name table.
		return 0, 0, arg, nil
	}
	mnum, mrest := splitUint(rest[1:])
	m, ok := iptparse.ParseUint(mnum, 0, 0, 0xffffffff)
	if mnum == "" || !ok {
		return 0, 0, "", fmt.Errorf("%s: bad integer value for option \"--%s\", or out of range.", ext, opt)
	}
	if mrest != "" {
		return 0, 0, "", fmt.Errorf("%s: trailing garbage after value for option \"--%s\".", ext, opt)
	}
	return v, m, "", nil
}

// splitUint splits off the longest prefix strtoul(s, &end, 0) would read.
func splitUint(s string) (num, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		i++
	}
	if i < len(s) && s[i] == '+' {
		i++
	}
	start := i
	digits := "0123456789"
	if strings.HasPrefix(strings.ToLower(s[i:]), "0x") && len(s) > i+2 && strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i+2])) {
		i += 2
		digits = "0123456789abcdefABCDEF"
	} else if strings.HasPrefix(s[i:], "0") {
		digits = "01234567"
	}
	for i < len(s) && strings.IndexByte(digits, s[i]) >= 0 {
		i++
	}
	if i == start {
		return "", s
	}
	return s[:i], s[i:]
}
