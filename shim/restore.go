package shim

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/textio"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// iptables-restore: the whole input is one transaction. Without
// --noflush each table in the input is replaced (its chains flushed, its
// user chains deleted unless declared again); with --noflush only the
// declared chains are flushed and commands add to what is there. A line
// that fails (does not parse, or cannot be stored as nftables) fails the
// whole input: nothing is changed, and the line is named.

type restoreOpts struct {
	counters, noflush, test, verbose bool
	table                            string
	file                             string
	flags                            iptparse.ListFlags
}

func runRestore(t Tool, args []string, s IO) int {
	var o restoreOpts
	usage := func(msg string) int {
		fmt.Fprintf(s.Stderr, "%s v%s (ipt2nft): %s\nTry `%s -h' or '%s --help' for more information.\n", t.Name, Version, msg, t.Name, t.Name)
		return 2
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() (string, bool) {
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			switch name {
			case "counters":
				o.counters = true
			case "noflush":
				o.noflush = true
			case "test":
				o.test = true
			case "verbose":
				o.verbose = true
			case "version":
				fmt.Fprintf(s.Stdout, "%s v%s (ipt2nft)\n", t.Name, Version)
				return 0
			case "help":
				fmt.Fprintf(s.Stdout, "Usage: %s [-c] [-v] [-V] [-t] [-h] [-n] [-w secs] [-W usecs] [-T table] [-M command] [file]\n", t.Name)
				return 0
			case "wait":
				o.flags.Wait = true
				if hasVal {
					o.flags.WaitSecs = val
				} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && isNumber(args[i+1]) {
					o.flags.WaitSecs, _ = next()
				}
			case "wait-interval":
				if !hasVal {
					val, _ = next()
				}
				o.flags.WaitInterval = val
			case "table":
				if !hasVal {
					var ok bool
					if val, ok = next(); !ok {
						return usage("option '--table' requires an argument")
					}
				}
				o.table = val
			case "modprobe":
				if !hasVal {
					next()
				}
			default:
				return usage(fmt.Sprintf("unknown option %q", a))
			}
			continue
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'c':
					o.counters = true
				case 'n':
					o.noflush = true
				case 't':
					o.test = true
				case 'v':
					o.verbose = true
				case 'V':
					fmt.Fprintf(s.Stdout, "%s v%s (ipt2nft)\n", t.Name, Version)
					return 0
				case 'h':
					fmt.Fprintf(s.Stdout, "Usage: %s [-c] [-v] [-V] [-t] [-h] [-n] [-w secs] [-W usecs] [-T table] [-M command] [file]\n", t.Name)
					return 0
				case 'w', 'W', 'T', 'M':
					val := a[j+1:]
					if val == "" && (a[j] == 'T' || a[j] == 'M' || (i+1 < len(args) && isNumber(args[i+1]))) {
						val, _ = next()
					}
					switch a[j] {
					case 'w':
						o.flags.Wait, o.flags.WaitSecs = true, val
					case 'W':
						o.flags.WaitInterval = val
					case 'T':
						o.table = val
					}
					j = len(a)
				default:
					return usage(fmt.Sprintf("invalid option -- '%c'", a[j]))
				}
			}
			continue
		}
		if o.file != "" {
			return usage("Unknown arguments found on commandline")
		}
		o.file = a
	}
	// Read as a string at once (textio): kube-proxy pipes its whole
	// ruleset in, and a []byte would be copied again into the string.
	var src string
	var err error
	name := o.file
	if o.file == "" || o.file == "-" {
		name = "<stdin>"
		src, err = textio.ReadAll(s.Stdin)
	} else {
		src, err = textio.ReadFile(o.file)
	}
	if err != nil {
		fmt.Fprintf(s.Stderr, "Can't open %s: %v\n", o.file, err)
		return 1
	}
	if o.flags.Wait || o.flags.WaitInterval != "" {
		unlock, err := takeLock(o.flags)
		if err != nil {
			return report(s, err)
		}
		defer unlock()
	}
	m := newModel(t.fam)
	if err := m.load(); err != nil {
		return report(s, err)
	}
	if err := m.restore(t, name, src, o); err != nil {
		return report(s, err)
	}
	if o.test {
		// Everything was checked and translated; the kernel check is
		// compiling the batch.
		if _, err := m.commit(); err != nil {
			return report(s, m.errf(1, "%v", err))
		}
		return 0
	}
	if err := m.send(); err != nil {
		var ee *exitErr
		if errors.As(err, &ee) {
			ee.msg = strings.Replace(ee.msg, m.fam.prog+":", t.Name+":", 1)
		}
		return report(s, err)
	}
	return 0
}

func isNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.") == ""
}

// restore applies an iptables-restore input to the model.
func (m *model) restore(t Tool, name, src string, o restoreOpts) error {
	var failed error
	skip := false // in a table other than --table's
	iptparse.ParseSaveFileFunc(name, src, translate.Registry{}, m.fam.ipt, func(it iptparse.Item) {
		if failed == nil {
			failed = m.restoreItem(t, it, o, &skip)
		}
	})
	return failed
}

// restoreItem applies one line of an iptables-restore input.
func (m *model) restoreItem(t Tool, it iptparse.Item, o restoreOpts, skip *bool) error {
	lineErr := func(pos iptparse.Pos, msg string) error {
		return &exitErr{1, fmt.Sprintf("%s: line %d failed: %s", t.Name, pos.Line, msg)}
	}
	switch it := it.(type) {
	case *iptparse.BadLine:
		return &exitErr{2, fmt.Sprintf("%s v%s (ipt2nft): %s\nError occurred at line: %d\nTry `%s -h' or '%s --help' for more information.", t.Name, Version, parseMsg(it.Err), it.Pos.Line, t.Name, t.Name)}
	case *iptparse.TableHeader:
		*skip = o.table != "" && it.Name != o.table
		if *skip {
			return nil
		}
		if !knownTable(it.Name) {
			return &exitErr{1, fmt.Sprintf("%s v%s (ipt2nft): can't initialize %s table `%s': Table does not exist (do you need to insmod?)\nError occurred at line: %d", t.Name, Version, m.fam.prog, it.Name, it.Pos.Line)}
		}
		if !o.noflush {
			for _, c := range m.tableChains(it.Name) {
				if err := m.flush(c); err != nil {
					return err
				}
				if !c.builtin {
					m.deleteChain(c)
				}
			}
		}
		m.ensureTable(it.Name)
	case *iptparse.ChainDecl:
		if *skip {
			return nil
		}
		c := m.chain(it.Table, it.Name)
		switch {
		case isBuiltin(it.Table, it.Name):
			if it.Policy != "-" && c.policy != it.Policy {
				c.policy = it.Policy
				c.newPolicy = c.k != nil
				m.dirty = true
			}
		case it.Policy != "-":
			return lineErr(it.Pos, fmt.Sprintf("Can't set policy `%s' on `%s' line %d: Bad built-in chain name", it.Policy, it.Name, it.Pos.Line))
		case c != nil:
			if err := m.flush(c); err != nil {
				return err
			}
		default:
			m.newUserChain(it.Table, it.Name)
		}
	case *iptparse.CommandLine:
		if *skip {
			return nil
		}
		cmd := it.Command
		if !o.counters {
			cmd.Counters = nil
		}
		switch cmd.Op {
		case iptparse.OpList, iptparse.OpListRules:
			return lineErr(cmd.Pos, "-L and -S are not allowed in "+t.Name)
		}
		if _, err := m.command(cmd); err != nil {
			msg := err.Error()
			msg = strings.TrimPrefix(msg, m.fam.prog+": ")
			return lineErr(cmd.Pos, msg)
		}
	}
	return nil
}
