package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// Per-run state for extensions whose translation depends on other rules
// (hashlimit and recent share tables by name across rules), and hooks
// that run once the whole input has been read.

// State returns the value stored under key for this translation run,
// creating it with init on first use. Keys are namespaced by the caller
// ("hashlimit/...", "recent/..."). The value must not point into the
// parsed rule (c.Cmd, c.Rule, an *iptparse.Ext or Option): AddText reuses
// a parsed rule's memory for later rules once it is translated.
func (c *Ctx) State(key string, init func() any) any {
	t := c.tr
	if t.ext == nil {
		t.ext = map[string]any{}
	}
	v, ok := t.ext[key]
	if !ok {
		v = init()
		t.ext[key] = v
	}
	return v
}

// finishers run when the normal-mode ruleset is finished, before it is
// returned: they may rewrite rules that need to know every rule of the
// input (see ext_recent.go).
var finishers []func(t *Translator)

// registerFinisher adds a finisher; called from init functions.
func registerFinisher(f func(t *Translator)) { finishers = append(finishers, f) }

func (t *Translator) runFinishers() {
	for _, f := range finishers {
		f(t)
	}
}

// warnOnce records a warning the first time key is seen in this run.
func (c *Ctx) warnOnce(key string, pos iptparse.Pos, format string, args ...any) {
	seen := c.State("warned/"+key, func() any { return new(bool) }).(*bool)
	if !*seen {
		*seen = true
		c.Warn(pos, format, args...)
	}
}
