package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/kernel"
)

// applyOpts are the flags of apply, diff, rollback and confirm.
type applyOpts struct {
	translateOpts
	netns           string
	check           bool
	skipUnsupported bool
	allowPartial    bool
	backup          string
	stateDir        string
	confirm         time.Duration
}

func (a *applyOpts) kernelFlags(c *cobra.Command) {
	c.Flags().StringVar(&a.netns, "netns", "", "network namespace to work in: a name (/run/netns/NAME) or a path")
	a.stateFlag(c)
}

// stateFlag is the only flag of rollback and confirm: they act on the
// namespace recorded by the apply.
func (a *applyOpts) stateFlag(c *cobra.Command) {
	c.Flags().StringVar(&a.stateDir, "state-dir", envOr("IPT2NFT_STATE_DIR", kernel.DefaultStateDir), "where backups and the pending confirmation are kept")
}

func (a *applyOpts) partialFlag(c *cobra.Command) {
	c.Flags().BoolVar(&a.allowPartial, "allow-partial", false, "go on when some iptables rules could not be translated (they are reported)")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func addKernelCommands(root *cobra.Command) {
	a := &applyOpts{}
	apply := &cobra.Command{
		Use:   "apply [FILE...]",
		Short: "Translate and put the ruleset into the kernel: one transaction, with backup and timed rollback",
		Long: `apply translates like the default command and replaces ipt2nft's tables in the
kernel in one netlink transaction: either all of it is applied or nothing.
Other tables (iptables-nft's, Docker's...) are never touched.

Before changing anything it checks that the kernel can run every rule and
saves the current state of the tables it replaces (--backup); "ipt2nft
rollback" restores it. With --confirm, the previous ruleset comes back by
itself unless the apply is confirmed in time, on the terminal or with
"ipt2nft confirm" from another shell (the timer survives a lost ssh
session).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.runApply(cmd, args) },
	}
	a.flags(apply)
	a.kernelFlags(apply)
	a.partialFlag(apply)
	f := apply.Flags()
	f.BoolVar(&a.check, "check", false, "do every check (translation, netlink compilation, kernel support) and change nothing")
	f.BoolVar(&a.skipUnsupported, "skip-unsupported", false, "apply the rules the kernel can run and report the others")
	f.StringVar(&a.backup, "backup", "", "file for the backup of the tables replaced (default: STATE-DIR/backup-TIME.nft)")
	f.DurationVar(&a.confirm, "confirm", 0, "roll back after this long unless confirmed (like iptables-apply), e.g. 60s")
	root.AddCommand(apply)

	d := &applyOpts{}
	diff := &cobra.Command{
		Use:   "diff [FILE...]",
		Short: "Show the live ruleset of ipt2nft's tables against the planned one (exit 1 if they differ)",
		Args:  cobra.ArbitraryArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return d.runDiff(cmd, args) },
	}
	d.flags(diff)
	d.kernelFlags(diff)
	d.partialFlag(diff)
	root.AddCommand(diff)

	r := &applyOpts{}
	rollback := &cobra.Command{
		Use:   "rollback",
		Short: "Restore the tables saved before the last apply (one transaction)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := kernel.Rollback(r.stateDir)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "restored %s\n", l.Backup)
			return nil
		},
	}
	r.stateFlag(rollback)
	root.AddCommand(rollback)

	c := &applyOpts{}
	confirm := &cobra.Command{
		Use:   "confirm",
		Short: "Keep the ruleset of an apply --confirm (stops the rollback timer)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := kernel.Confirm(c.stateDir); err != nil {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "confirmed: the new ruleset stays")
			return nil
		},
	}
	c.stateFlag(confirm)
	root.AddCommand(confirm)

	var token string
	t := &applyOpts{}
	timer := &cobra.Command{
		Use:    "__rollback-timer",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE:   func(cmd *cobra.Command, args []string) error { return kernel.RunTimer(t.stateDir, token) },
	}
	t.stateFlag(timer)
	timer.Flags().StringVar(&token, "token", "", "")
	root.AddCommand(timer)
}

// readApplyInputs reads the inputs of apply and diff. A plan (ipt2nft
// --format plan) comes back decoded instead: it must be the only input,
// and the translation flags, fixed when it was made, are refused.
func (a *applyOpts) readApplyInputs(cmd *cobra.Command, args []string) ([]input, *emit.Plan, error) {
	ins, err := readInputs(cmd.InOrStdin(), args)
	if err != nil {
		return nil, nil, err
	}
	for _, in := range ins {
		if !emit.IsPlan(in.src) {
			continue
		}
		if len(ins) > 1 {
			return nil, nil, fmt.Errorf("%s is a plan: it is applied alone, not with other inputs", in.name)
		}
		var bad []string
		cmd.Flags().Visit(func(f *pflag.Flag) {
			switch f.Name {
			case "netns", "state-dir", "backup", "confirm", "check", "allow-partial":
			default:
				bad = append(bad, "--"+f.Name)
			}
		})
		if len(bad) > 0 {
			return nil, nil, fmt.Errorf("%s is a plan, translated and compiled when it was made: %s does not apply to it", in.name, strings.Join(bad, ", "))
		}
		p, err := emit.ReadPlan([]byte(in.src))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", in.name, err)
		}
		if p.Untranslated > 0 && !a.allowPartial {
			return nil, nil, fmt.Errorf("%s: %d rules could not be translated when the plan was made (they are comments in its text): nothing changed; fix them or pass --allow-partial", in.name, p.Untranslated)
		}
		if len(p.Tables) == 0 {
			return nil, nil, fmt.Errorf("%s: the plan has no tables to apply: nothing changed", in.name)
		}
		return nil, p, nil
	}
	return ins, nil, nil
}

// plan translates the input into the ruleset ipt2nft would print.
func (a *applyOpts) plan(cmd *cobra.Command, ins []input) (*ir.Ruleset, error) {
	if a.exact || a.format != "text" {
		return nil, fmt.Errorf("--exact and --format do not apply here")
	}
	a.batchGC = true
	m, err := a.migrateRead(cmd, ins)
	if err != nil {
		return nil, err
	}
	tr, rs := m.tr, m.rs
	stderr := cmd.ErrOrStderr()
	for _, d := range tr.Diags() {
		fmt.Fprintln(stderr, d)
	}
	st := tr.Stats()
	if (st.Errors > 0 || st.Untranslated > 0) && !a.allowPartial {
		return nil, fmt.Errorf("%d rules could not be translated (%d errors, %d untranslated): nothing changed; fix them or pass --allow-partial", st.Errors+st.Untranslated, st.Errors, st.Untranslated)
	}
	return rs, nil
}

func (a *applyOpts) runApply(cmd *cobra.Command, args []string) error {
	stderr := cmd.ErrOrStderr()
	ins, plan, err := a.readApplyInputs(cmd, args)
	if err != nil {
		return err
	}
	if plan != nil {
		return a.applyPlan(cmd, args, plan)
	}
	rs, err := a.plan(cmd, ins)
	if err != nil {
		return err
	}
	if len(rs.Tables) == 0 {
		return fmt.Errorf("the input has no iptables rules or chains to apply: nothing changed")
	}
	prog, err := emit.CompileNetlinkWith(rs, kernel.IfIndexIn(a.netns))
	if err != nil {
		return err
	}
	if a.check {
		// Nothing may change: the probe loads the ruleset under a
		// throwaway name in a batch that deletes it again.
		unsupported, err := a.findUnsupported(stderr, prog)
		if err != nil {
			return err
		}
		prog = kernel.Without(prog, unsupported)
		fmt.Fprintf(stderr, "check passed: %d rules in %s would be applied; nothing changed\n", prog.Rules(), tableList(kernel.Tables(prog)))
		return nil
	}
	tables := kernel.Tables(prog)
	backup, existing, err := a.backUp(tables)
	if err != nil {
		return err
	}
	// The batch is all or nothing, so it is its own feature probe: only
	// when the kernel refuses it (and so changed nothing) are the rules it
	// cannot run looked for, named, and, with --skip-unsupported, left out
	// of a second batch. A ruleset the kernel takes is loaded once.
	var unsupported []kernel.Unsupported
	err = a.send(stderr, prog, existing)
	var be *kernel.BatchError
	if errors.As(err, &be) {
		unsupported, err = a.findUnsupported(stderr, prog)
		if err != nil {
			return err
		}
		if len(unsupported) == 0 {
			return be // refused for another reason; it names the rules
		}
		prog = kernel.Without(prog, unsupported)
		err = a.send(stderr, prog, existing)
	}
	if err != nil {
		return err
	}
	if err := a.applied(cmd, tables, prog.Rules(), backup); err != nil {
		return err
	}
	if len(unsupported) > 0 {
		fmt.Fprintf(stderr, "skipped %d rules this kernel cannot run (listed above)\n", len(unsupported))
	}
	return a.awaitConfirm(cmd, args, backup)
}

// applyPlan sends a plan's batch as it is. A batch the kernel refuses
// changed nothing; the refused rules are named by their source lines.
// Leaving them out (--skip-unsupported) needs the rules, not a plan.
func (a *applyOpts) applyPlan(cmd *cobra.Command, args []string, p *emit.Plan) error {
	stderr := cmd.ErrOrStderr()
	tables := planTables(p)
	if a.check {
		// A throwaway namespace holds nothing of ours or anyone's: the
		// batch, which only replaces our tables, meets the same kernel.
		err := kernel.InNewNetns(func(ns string) error { return kernel.SendBatch(ns, p.Msgs, nil) })
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "check passed: %d rules in %s would be applied; nothing changed\n", p.Rules, tableList(tables))
		return nil
	}
	backup, existing, err := a.backUp(tables)
	if err != nil {
		return err
	}
	msgs := kernel.WithoutAbsentDeletes(p.Msgs, existing)
	bar := newProgress(stderr, len(msgs))
	err = kernel.SendBatch(a.netns, msgs, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	if err := a.applied(cmd, tables, p.Rules, backup); err != nil {
		return err
	}
	return a.awaitConfirm(cmd, args, backup)
}

// backUp saves the tables an apply is about to replace; existing tells
// which of them exist.
func (a *applyOpts) backUp(tables []kernel.TableRef) (backup string, existing map[kernel.TableRef]bool, err error) {
	backup = a.backup
	if backup == "" {
		backup = filepath.Join(a.stateDir, "backup-"+time.Now().UTC().Format("20060102T150405.000000000")+".nft")
	}
	existing, err = kernel.Backup(a.netns, backup, tables)
	if err != nil {
		return "", nil, fmt.Errorf("backup (nothing changed): %w", err)
	}
	return backup, existing, nil
}

// applied records a successful apply for rollback and says what it did.
func (a *applyOpts) applied(cmd *cobra.Command, tables []kernel.TableRef, rules int, backup string) error {
	if err := kernel.SaveLast(a.stateDir, kernel.Last{Netns: kernel.NetnsPath(a.netns), Backup: backup, Time: time.Now()}); err != nil {
		return fmt.Errorf("applied, but recording the backup for rollback failed: %w (the backup is %s)", err, backup)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "applied %d rules to %s (backup: %s)\n", rules, tableList(tables), backup)
	return nil
}

// awaitConfirm runs --confirm: the rollback timer, and the question on a
// terminal.
func (a *applyOpts) awaitConfirm(cmd *cobra.Command, args []string, backup string) error {
	stderr := cmd.ErrOrStderr()
	if a.confirm <= 0 {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	p := kernel.Pending{Netns: kernel.NetnsPath(a.netns), Backup: backup}
	if err := kernel.StartTimer(exe, a.stateDir, p, a.confirm); err != nil {
		if rerr := kernel.Restore(a.netns, backup); rerr != nil {
			return fmt.Errorf("%v; and restoring the backup failed: %v", err, rerr)
		}
		return fmt.Errorf("%v: the previous ruleset was restored", err)
	}
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) || readsStdin(args) {
		fmt.Fprintf(stderr, "run \"ipt2nft confirm\" within %s to keep it; otherwise the previous ruleset comes back\n", a.confirm)
		return nil
	}
	fmt.Fprintf(stderr, "Keep the new ruleset? Answer y within %s, anything else rolls back: ", a.confirm)
	answer := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(in).ReadString('\n')
		answer <- strings.TrimSpace(s)
	}()
	select {
	case s := <-answer:
		if strings.EqualFold(s, "y") || strings.EqualFold(s, "yes") {
			if _, err := kernel.Confirm(a.stateDir); err != nil {
				return fmt.Errorf("confirm: %w (the timer may have rolled back already)", err)
			}
			fmt.Fprintln(stderr, "confirmed: the new ruleset stays")
			return nil
		}
		if err := kernel.RollbackPending(a.stateDir); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "rolled back")
		return &exitError{1}
	case <-time.After(a.confirm):
		fmt.Fprintln(stderr, "\nno answer: the timer restores the previous ruleset")
		return &exitError{1}
	}
}

// findUnsupported probes the kernel (changing nothing) for the rules of
// prog it cannot run and names them; it fails unless --skip-unsupported
// allows leaving them out.
func (a *applyOpts) findUnsupported(stderr io.Writer, prog *emit.NLProgram) ([]kernel.Unsupported, error) {
	unsupported, err := kernel.Probe(a.netns, prog)
	if err != nil {
		return nil, fmt.Errorf("kernel probe (nothing changed): %w", err)
	}
	for _, u := range unsupported {
		fmt.Fprintln(stderr, u)
	}
	if len(unsupported) > 0 && !a.skipUnsupported {
		return nil, fmt.Errorf("%d rules cannot run on this kernel: nothing changed (--skip-unsupported applies the rest)", len(unsupported))
	}
	return unsupported, nil
}

// send loads prog in one batch, with a progress bar on a terminal;
// existing tells which of its tables exist (kernel.WithoutAbsentDeletes).
func (a *applyOpts) send(stderr io.Writer, prog *emit.NLProgram, existing map[kernel.TableRef]bool) error {
	msgs, err := prog.Messages()
	if err != nil {
		return err
	}
	msgs = kernel.WithoutAbsentDeletes(msgs, existing)
	bar := newProgress(stderr, len(msgs))
	err = kernel.SendBatch(a.netns, msgs, bar.update)
	bar.done()
	return err
}

// readsStdin reports whether the rules came from standard input (which
// then cannot carry the answer).
func readsStdin(args []string) bool {
	if len(args) == 0 {
		return true
	}
	for _, a := range args {
		if a == "-" {
			return true
		}
	}
	return false
}

func tableList(ts []kernel.TableRef) string {
	var s []string
	for _, t := range ts {
		s = append(s, "table "+t.String())
	}
	return strings.Join(s, ", ")
}

// runDiff compares the live tables with the planned ones, both listed by
// nft: the plan is loaded into a throwaway namespace first (through
// netlink, as apply would load it), so both sides are normalised the
// same way. The live tables are listed meanwhile: for 100,000 rules each
// listing takes over a second, and the diff took 6.6 s.
func (a *applyOpts) runDiff(cmd *cobra.Command, args []string) error {
	// Interfaces are the live namespace's: the throwaway one lists their
	// indexes as numbers, which are named again below.
	devices := map[uint32]string{}
	liveIndex := kernel.IfIndexIn(a.netns)
	ifIndex := func(name string) (uint32, error) {
		idx, err := liveIndex(name)
		devices[idx] = name
		return idx, err
	}
	msgs, tables, err := a.planned(cmd, args, ifIndex)
	if err != nil {
		return err
	}
	type listing struct {
		tables map[kernel.TableRef]string
		err    error
	}
	livec := make(chan listing, 1)
	go func() {
		l, err := kernel.ListTables(a.netns, tables)
		livec <- listing{l, err}
	}()
	var planned map[kernel.TableRef]string
	err = kernel.InNewNetns(func(ns string) error {
		if err := kernel.SendBatch(ns, msgs, nil); err != nil {
			return fmt.Errorf("loading the plan into a throwaway namespace: %w", err)
		}
		planned, err = kernel.ListTables(ns, tables)
		return err
	})
	lv := <-livec
	if err != nil {
		return err
	}
	if lv.err != nil {
		return lv.err
	}
	live := lv.tables
	var l, pl strings.Builder
	for _, t := range tables {
		l.WriteString(stripCounters(live[t]))
		pl.WriteString(nameDevices(stripCounters(planned[t]), devices))
	}
	out := cmd.OutOrStdout()
	color := false
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		color = true
	}
	d := kernel.UnifiedDiff(l.String(), pl.String(), "live", "planned", color)
	if d == "" {
		return nil
	}
	io.WriteString(out, d)
	return &exitError{1}
}

// planned is the batch apply would send and the tables it replaces:
// the input translated and compiled (with ifIndex), or a plan's.
func (a *applyOpts) planned(cmd *cobra.Command, args []string, ifIndex emit.IfIndex) ([]emit.NLMsg, []kernel.TableRef, error) {
	ins, plan, err := a.readApplyInputs(cmd, args)
	if err != nil {
		return nil, nil, err
	}
	if plan != nil {
		return plan.Msgs, planTables(plan), nil
	}
	rs, err := a.plan(cmd, ins)
	if err != nil {
		return nil, nil, err
	}
	prog, err := emit.CompileNetlinkWith(rs, ifIndex)
	if err != nil {
		return nil, nil, err
	}
	msgs, err := prog.Messages()
	if err != nil {
		return nil, nil, err
	}
	var tables []kernel.TableRef
	for _, t := range rs.Tables {
		tables = append(tables, kernel.TableRef{Family: t.Family, Name: t.Name})
	}
	return msgs, tables, nil
}

// nameDevices writes "device N", as nft lists an interface index it
// cannot name, as the name the index was looked up for.
func nameDevices(s string, names map[uint32]string) string {
	if len(names) == 0 {
		return s
	}
	return deviceIndexRE.Get().ReplaceAllStringFunc(s, func(m string) string {
		n, err := strconv.ParseUint(m[len("device "):], 10, 32)
		if name, ok := names[uint32(n)]; ok && err == nil {
			return "device " + strconv.Quote(name)
		}
		return m
	})
}

var deviceIndexRE = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`device [0-9]+\b`) }}

// planTables are the tables a plan replaces.
func planTables(p *emit.Plan) []kernel.TableRef {
	var tables []kernel.TableRef
	for _, t := range p.Tables {
		tables = append(tables, kernel.TableRef{Family: t.Family, Name: t.Name})
	}
	return tables
}

// stripCounters drops packet and byte counts and element expiry times:
// they are live data, not part of the ruleset.
func stripCounters(s string) string {
	return counterRE.Get().ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "counter") {
			return "counter"
		}
		return ""
	})
}
