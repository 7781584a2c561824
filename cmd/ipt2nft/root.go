package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ipt2nft/ipt2nft/compat"
	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/textio"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/script"
	"github.com/ipt2nft/ipt2nft/translate"
)

// newRootCmd builds the whole command tree.
func newRootCmd() *cobra.Command {
	root, opts := newBareRootCmd()
	addSubcommands(root, opts)
	return root
}

// newCmdFor builds the command tree that "ipt2nft ARGS..." runs: the
// root command alone (the default translation) when rootOnly(args);
// else the whole tree, whose building and handling by cobra (158 flags,
// completion commands) were a quarter of the instructions of translating
// an empty file.
func newCmdFor(args []string) *cobra.Command {
	if rootOnly(args) {
		root, _ := newBareRootCmd()
		// Nothing lists the root's flags when it runs alone (help builds
		// the whole tree) and none is required or in a group, whose
		// errors would name them in order: cobra's checks of those then
		// need not sort them first, 16,000 instructions.
		root.Flags().SortFlags = false
		return root
	}
	return newRootCmd()
}

// commandWords are the arguments that can make cobra run a command other
// than the root: the names of the subcommands (root_test checks that
// every one is here), of the commands cobra adds (help, completion and
// the shell completion requests), and of the upstream tools.
var commandWords = []string{
	"translate", "report", "verify", "apply", "diff", "rollback", "confirm",
	"__rollback-timer", "shim", "help", "completion",
	cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd,
}

// rootOnly reports whether args surely run the root command, which then
// behaves the same without the subcommands: none of args is a command's
// name (where cobra would look for one: the first argument that is not a
// flag, which the flags' values make hard to tell) nor asks for help,
// whose text lists the subcommands (-h, also among other shorthands, or
// --help).
func rootOnly(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "--help") || len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.IndexByte(a, 'h') >= 0 {
			return false
		}
		if slices.Contains(commandWords, a) {
			return false
		}
		if _, ok := compatSubcommand([]string{a}); ok {
			return false
		}
	}
	return true
}

// newBareRootCmd builds the root command, without subcommands, and the
// options its flags set.
func newBareRootCmd() (*cobra.Command, *translateOpts) {
	opts := &translateOpts{}
	root := &cobra.Command{
		Use:   "ipt2nft [FILE...]",
		Short: "Move iptables rulesets to nftables",
		Long: `ipt2nft reads iptables and ip6tables commands, scripts and iptables-save
output and prints an nftables ruleset that "nft -f" loads.

With no FILE, or when FILE is -, it reads standard input.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.run(cmd, args)
		},
	}
	opts.flags(root)
	return root, opts
}

// addSubcommands adds the subcommands to root, whose flags set opts.
func addSubcommands(root *cobra.Command, opts *translateOpts) {
	tr := &cobra.Command{
		Use:   "translate [FILE...]",
		Short: "Translate iptables input to an nftables ruleset (the default command)",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.run(cmd, args)
		},
	}
	opts.flags(tr)
	root.AddCommand(tr, newReportCmd(), newVerifyCmd())
	addKernelCommands(root)
	addShimCommands(root)
	for _, tool := range compat.Tools {
		tool := tool
		root.AddCommand(&cobra.Command{
			Use:                tool.Name + " [ARGS...]",
			Short:              "Behave like upstream " + tool.Name + " " + compat.Version,
			DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				code := tool.Run(args, compat.IO{Stdin: cmd.InOrStdin(), Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(), StreamGC: streamGC})
				if code != 0 {
					return &exitError{code}
				}
				return nil
			},
		})
	}
}

type translateOpts struct {
	// batchGC: the command only translates (and prints or applies):
	// for save files and command lists the collector may wait (batchGC).
	batchGC bool
	// printOnly: the command prints the ruleset as text or a plan and
	// reads nothing else of it (translate.OptOptions.NoProvenance). JSON
	// output's errors count a rule's origins.
	printOnly bool
	// seeItem is shown every item translated (translate.Options.SeeItem):
	// the report takes what it needs of the original rules there.
	seeItem func(*iptparse.File, iptparse.Item)

	ipv6, ipv4 bool
	exact      bool
	format     string
	summary    bool
	table      string
	quoteNames bool
	output     string

	literal                                                    bool
	noIPS                                                      bool
	noInet                                                     bool
	ipsets                                                     []string
	ipsPriority                                                int
	noDeps, keepCounters, noLogFuse, noMerge, noVMap, noNatMap bool
	noCounterValues, noInline                                  bool
	script                                                     bool
	defines                                                    []string
}

// optOptions maps the pass flags to optimizer options.
func (o *translateOpts) optOptions() translate.OptOptions {
	if o.literal {
		return translate.OptOptions{}
	}
	return translate.OptOptions{
		Deps:        !o.noDeps,
		Counters:    !o.keepCounters,
		LogFuse:     !o.noLogFuse,
		Sets:        !o.noMerge,
		VMaps:       !o.noVMap,
		NatMaps:     !o.noNatMap,
		Inline:      !o.noInline,
		IPS:         !o.noIPS,
		IPSPriority: o.ipsPriority,
		// nft's JSON input loses set element counters.
		NoElementCounters: o.format == "json",
		NoProvenance:      o.printOnly,
	}
}

func (o *translateOpts) flags(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&o.exact, "exact", false, "print upstream iptables-restore-translate commands instead of a ruleset")
	f.StringVar(&o.format, "format", "text", "output format: text, json, or plan (the text with its compiled netlink batch, for apply)")
	f.BoolVar(&o.summary, "summary", false, "end stderr with a machine-readable count line")
	f.StringVarP(&o.output, "output", "o", "", "write the ruleset to this file instead of standard output")
	o.inputFlags(c)
}

// inputFlags are the options that say how input is read and translated,
// shared by translate, report and verify.
func (o *translateOpts) inputFlags(c *cobra.Command) {
	f := c.Flags()
	f.BoolVarP(&o.ipv6, "ipv6", "6", false, "read ip6tables input")
	f.BoolVarP(&o.ipv4, "ipv4", "4", false, "read iptables input (default: detected per file)")
	f.StringVar(&o.table, "table", "ipt2nft", "name of the nftables table to write")
	f.BoolVar(&o.quoteNames, "quote-names", false, "quote chain names nft cannot read bare, instead of renaming them (needs an nft that reads quoted names)")
	f.BoolVar(&o.literal, "literal", false, "one nft rule per iptables rule: turn every optimizer pass off")
	f.BoolVar(&o.noDeps, "no-deps", false, "keep protocol matches that later matches imply (ip protocol tcp tcp dport 22)")
	f.BoolVar(&o.keepCounters, "keep-counters", false, "keep a counter on every rule, not only where the input had counter values")
	f.BoolVar(&o.noCounterValues, "no-counter-values", false, "start counters from zero, as iptables-restore does without -c, instead of carrying the dump's [packets:bytes] over (sets then merge rules with comments too, and load faster)")
	f.BoolVar(&o.noLogFuse, "no-logfuse", false, "keep LOG and the following verdict as two rules")
	f.BoolVar(&o.noMerge, "no-merge", false, "do not merge rules into anonymous sets")
	f.BoolVar(&o.noVMap, "no-vmap", false, "do not build verdict maps")
	f.BoolVar(&o.noNatMap, "no-natmap", false, "do not build NAT maps")
	f.BoolVar(&o.noInline, "no-inline", false, "keep one-rule chains that one jump uses instead of putting their rule where the jump is")
	f.Var(stringsFlag{&o.ipsets}, "ipset", "an \"ipset save\" file whose sets become named nft sets (repeatable)")
	f.BoolVar(&o.noInet, "no-inet", false, "keep separate ip and ip6 tables instead of one inet table")
	f.BoolVar(&o.noIPS, "no-ips", false, "leave NFQUEUE rules where they are instead of moving them to an IPS chain after the filter")
	f.IntVar(&o.ipsPriority, "ips-priority", translate.IPSPriorityOffset, "priority of the IPS chain, as an offset from the filter priority")
	f.BoolVar(&o.script, "script", false, "read FILEs as shell scripts (interpreted, never executed); default: detected (#!/bin/sh, .sh, shell prompts, wg-quick PostUp)")
	f.VarP(stringsFlag{&o.defines}, "define", "D", "NAME=VALUE for scripts: a variable the script reads from the environment or sets from a command's output (repeatable)")
}

// stringsFlag is a repeatable string flag, as pflag's StringArray with no
// default, whose String does not write its value out as CSV: defining a
// StringArray flag did (for its default), through a new bufio.Writer of 4
// KB, and the two took 2-4 page faults of every run of the root command
// (perf record of an empty file) before anything else.
type stringsFlag struct{ p *[]string }

func (s stringsFlag) Set(v string) error {
	*s.p = append(*s.p, v)
	return nil
}

// Type names the flag's argument in the usage, as StringArray's does.
func (s stringsFlag) Type() string { return "stringArray" }

// String is "" (no default shown in the usage) when no value is set.
func (s stringsFlag) String() string {
	if len(*s.p) == 0 {
		return ""
	}
	return "[" + strings.Join(*s.p, ",") + "]"
}

// input is one file (or stdin) to translate.
type input struct {
	name string
	src  string
	kind script.Kind // set by classify
	// survey, if set, is what translating the file a piece at a time
	// needs to know of it (see readInPieces); src is then empty.
	survey *translate.Survey
	stamp  textio.Stamp // the file's as src was read (see readInPieces)
	// release, if set, unmaps src, a mapped file's text (see mapInputs).
	release func()
}

func readInputs(stdin io.Reader, args []string) ([]input, error) {
	return readOrMapInputs(stdin, args, nil)
}

// mapInputs is readInputs that maps the files of textio.MapFrom bytes
// or more instead of reading them (textio.MapFile): reading the
// 20,000-rule dump into new memory took a millisecond before anything
// else could start. Big save files (compat.ReadsInPieces) are unmapped
// once surveyed (see readInPieces). Only for the translate command: a
// file that shrinks while mapped faults its readers, which then report
// it and exit, and apply, verify and report must never end that way.
// Every goroutine that reads the text therefore sets
// debug.SetPanicOnFault and defers textio.Guard; a script's text is
// copied (see classify). The caller releases the inputs (releaseInputs)
// once nothing of them is used. Before exiting, the run calls *cleanup
// if set (removes a half-written --output file).
func mapInputs(stdin io.Reader, args []string, stderr io.Writer, cleanup *func()) ([]input, error) {
	return readOrMapInputs(stdin, args, func(name string) {
		fmt.Fprintf(stderr, "ipt2nft: %s: %v\n", name, textio.ErrChanged)
		if *cleanup != nil {
			(*cleanup)()
		}
		exit(2)
	})
}

// exit is os.Exit, but for tests.
var exit = os.Exit

// readOrMapInputs reads the inputs, and maps the files it may (see
// mapInputs) if onShrink is set.
func readOrMapInputs(stdin io.Reader, args []string, onShrink func(name string)) ([]input, error) {
	if len(args) == 0 {
		args = []string{"-"}
	}
	var ins []input
	for _, a := range args {
		if a == "-" {
			src, err := textio.ReadAll(stdin)
			if err != nil {
				releaseInputs(ins)
				return nil, err
			}
			ins = append(ins, input{name: "<stdin>", src: src})
			continue
		}
		var in input
		var err error
		if onShrink != nil {
			in.src, in.stamp, in.release, err = textio.MapFileStamp(a, func() { onShrink(a) })
		} else {
			in.src, in.stamp, err = textio.ReadFileStamp(a)
		}
		if err != nil {
			releaseInputs(ins)
			return nil, err
		}
		in.name = a
		ins = append(ins, in)
	}
	return ins, nil
}

// releaseInputs unmaps the mapped inputs' texts.
func releaseInputs(ins []input) {
	for i := range ins {
		if r := ins[i].release; r != nil {
			ins[i].release = nil
			r()
		}
	}
}

// heldBytes is the size of the inputs' texts on the heap: those read,
// not mapped.
func heldBytes(ins []input) int {
	n := 0
	for _, in := range ins {
		if in.release == nil {
			n += len(in.src)
		}
	}
	return n
}

// mapped reports whether any input's text is mapped.
func mapped(ins []input) bool {
	for _, in := range ins {
		if in.release != nil {
			return true
		}
	}
	return false
}

// migration is one translation run: what was read and what it became.
type migration struct {
	ins []input
	tr  *translate.Translator
	// rs is the optimized ruleset and rep what the optimizer did; both
	// nil in exact mode.
	rs  *ir.Ruleset
	rep *translate.OptReport
	// givenSets are the sets the --ipset files define, which verify
	// loads as they are and aims probes at.
	givenSets []string
}

// migrate reads, translates and (in normal mode) optimizes the input.
func (o *translateOpts) migrate(cmd *cobra.Command, args []string) (*migration, error) {
	read, err := readInputs(cmd.InOrStdin(), args)
	if err != nil {
		return nil, err
	}
	return o.migrateRead(cmd, read)
}

// migrateRead is migrate of inputs already read.
func (o *translateOpts) migrateRead(cmd *cobra.Command, read []input) (*migration, error) {
	ins, plain, size, err := o.prepare(cmd, read)
	if err != nil {
		return nil, err
	}
	if plain && o.batchGC {
		batchGC(size)
	} else {
		tuneGC(size)
	}
	if o.printOnly && !o.exact && o.seeItem == nil {
		o.readInPieces(ins)
	}
	return o.migrateInputs(cmd, ins, nil)
}

// readInPieces lets the big save files among ins (compat.ReadsInPieces)
// be translated from pieces read again, not from the text already read:
// that is dropped, so that the input is not held while the ruleset is
// built and optimized (what the ruleset keeps of it is strings of its
// own: see translate.AddPieces), 72 MB of the mixed 1,000,000-rule
// dump. Only for the translate command's text and plan output
// (translate.Options.NoProvenance): reports and JSON read rules' texts,
// which would keep the input anyway. Each file is looked through first,
// as AddText would, in its whole text (translate.SurveyText), which
// gives the same family as AddText would detect; mapped (mapInputs), it
// is unmapped once surveyed. Mapping it instead of reading it into new
// memory took the mixed 1,000,000-rule dump's read from 38 ms of CPU to
// nothing. Should the file change before it is read again, the
// translation fails (textio.ErrChanged).
func (o *translateOpts) readInPieces(ins []input) {
	fam := o.family()
	for i := range ins {
		in := &ins[i]
		// A file that changed since it was read (its size is not its
		// text's) is translated from the text read.
		if in.kind != script.KindNone || in.name == "<stdin>" || !compat.ReadsInPieces(in.name) || in.stamp.Size() != int64(len(in.src)) {
			continue
		}
		if sv := translate.SurveyText(in.src, fam); sv.Format == iptparse.FormatSave {
			in.survey, in.src = &sv, ""
			if in.release != nil {
				in.release()
				in.release = nil
			}
		}
	}
}

// family is the family the flags ask for: FamilyAny (detected) without
// -4 or -6.
func (o *translateOpts) family() iptparse.Family {
	switch {
	case o.ipv6:
		return iptparse.FamilyIPv6
	case o.ipv4:
		return iptparse.FamilyIPv4
	}
	return iptparse.FamilyAny
}

// prepare checks and classifies inputs already read; plain: no script
// among them; size: their bytes in all, with the --ipset files'.
func (o *translateOpts) prepare(cmd *cobra.Command, ins []input) (_ []input, plain bool, size int, err error) {
	if o.ipv4 && o.ipv6 {
		return nil, false, 0, fmt.Errorf("-4 and -6 exclude each other")
	}
	for _, in := range ins {
		if emit.IsPlan(in.src) {
			return nil, false, 0, fmt.Errorf("%s is an ipt2nft plan, not iptables rules: \"ipt2nft apply %s\" loads it, and so does nft -f", in.name, in.name)
		}
		size += len(in.src)
	}
	// The sets of --ipset files are held like rules: a million-entry set
	// with a one-rule dump must not run the collector as for a few KB.
	for _, name := range o.ipsets {
		if fi, err := os.Stat(name); err == nil {
			size += int(fi.Size())
		}
	}
	return ins, o.classify(cmd, ins), size, nil
}

// classify sets the kind of each input and reports whether all are save
// files or command lists (no script).
func (o *translateOpts) classify(cmd *cobra.Command, ins []input) (plain bool) {
	plain = true
	for i := range ins {
		in := &ins[i]
		in.kind = o.inputKind(cmd, *in)
		plain = plain && in.kind == script.KindNone
		if in.kind != script.KindNone && in.release != nil {
			// The interpreter reads the text in goroutines of its own:
			// scripts are read, not mapped.
			in.src = strings.Clone(in.src)
			in.release()
			in.release = nil
		}
	}
	return plain
}

// migrateInputs is migrate of inputs already read and classified. In exact mode, emit,
// if set, is handed each command as it is made (translate.Options
// EmitCommand) instead of keeping them in the Translator.
func (o *translateOpts) migrateInputs(cmd *cobra.Command, ins []input, emit func(*ir.Command)) (*migration, error) {
	m := &migration{ins: ins}
	fam := o.family()
	defines := map[string]string{}
	for _, d := range o.defines {
		k, v, ok := strings.Cut(d, "=")
		if !ok || !script.ValidDefine(k) {
			return nil, fmt.Errorf("-D %q: expected NAME=VALUE (NAME a shell variable, 1 to 9, or %%i)", d)
		}
		defines[k] = v
	}
	// Runs: the ruleset goes to MergeInet and Optimize before anything
	// else reads it. Without the sets pass or element counters (JSON) a
	// run would seldom be merged as it is: it would be made again in
	// full, next to its compact form.
	opt := o.optOptions()
	runs := !o.exact && opt.Sets && !opt.NoElementCounters
	tr := translate.New(translate.Options{Exact: o.exact, Table: o.table, QuoteNames: o.quoteNames, NoCounterValues: o.noCounterValues, NoProvenance: o.printOnly && !o.exact, EmitCommand: emit, Runs: runs, SeeItem: o.seeItem})
	for _, name := range o.ipsets {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f := iptparse.ParseIPSetSave(name, string(b))
		for _, s := range f.Sets {
			m.givenSets = append(m.givenSets, s.Name)
		}
		tr.AddIPSets(f)
	}
	for _, in := range ins {
		kind := in.kind
		if in.survey != nil {
			if err := compat.ReadPieces(in.name, in.stamp, func(next func() (string, bool)) { tr.AddPieces(in.name, next, *in.survey) }); err != nil {
				return nil, err
			}
			continue
		}
		if kind == script.KindNone {
			tr.AddText(in.name, in.src, fam) // nothing kept parsed
			continue
		}
		dir := ""
		if in.name != "<stdin>" {
			dir = filepath.Dir(in.name)
		}
		res, err := script.Run(in.name, in.src, script.Options{Registry: translate.Registry{}, Defines: defines, Dir: dir, Kind: kind})
		if err != nil {
			return nil, err
		}
		if res.IPSets != nil {
			tr.AddIPSets(res.IPSets)
		}
		for _, f := range res.Files {
			tr.AddFile(f)
		}
	}
	m.tr = tr
	if !o.exact {
		m.rs = tr.Ruleset() // finishing the ruleset may add diagnostics
		inetRep := &translate.OptReport{}
		if !o.noInet && !o.literal {
			translate.MergeInet(m.rs, inetRep)
		}
		m.rep = translate.Optimize(m.rs, o.optOptions())
		if len(inetRep.Merges) > 0 { // else the optimizer's, not a copy
			m.rep.Merges = append(inetRep.Merges, m.rep.Merges...)
		}
		for _, d := range m.rep.Notes {
			tr.Note(d)
		}
	}
	return m, nil
}

func (o *translateOpts) run(cmd *cobra.Command, args []string) error {
	if o.format != "text" && o.format != "json" && o.format != "plan" {
		return fmt.Errorf("unknown --format %q (text, json or plan)", o.format)
	}
	if o.exact && o.format == "plan" {
		return fmt.Errorf("--format plan is a ruleset for apply: it does not go with --exact")
	}
	if o.exact {
		return o.runExact(cmd, args)
	}
	o.batchGC = true
	o.printOnly = o.format != "json"
	stderr := cmd.ErrOrStderr()
	var cleanup func() // see mapInputs
	read, err := mapInputs(cmd.InOrStdin(), args, stderr, &cleanup)
	if err != nil {
		return err
	}
	// Strings of a mapped text are read up to the summary's last line.
	defer releaseInputs(read)
	if mapped(read) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer textio.Guard()
	}
	m, err := o.migrateRead(cmd, read)
	if err != nil {
		return err
	}
	tr, rs, rep := m.tr, m.rs, m.rep
	for _, d := range tr.Diags() {
		fmt.Fprintln(stderr, d)
	}
	// The ruleset goes straight to its destination, not through a copy
	// in memory (a million-rule dump prints some 60 MB). A file is
	// written under a temporary name and renamed, so it is never seen
	// half-written.
	dest, finish, err := o.openOutput(cmd.OutOrStdout())
	if err != nil {
		return err
	}
	if f, ok := dest.(*os.File); ok && o.output != "" {
		// Set once the workers that may fault are done: only this
		// goroutine reads it.
		cleanup = func() { os.Remove(f.Name()) }
	}
	out := bufio.NewWriterSize(dest, 1<<16)
	p := &emit.Printer{}
	switch {
	case o.format == "json":
		err = emit.WriteJSON(out, rs)
	case o.format == "plan":
		err = m.writePlan(out, p)
	default:
		err = m.writeRuleset(out, p, emit.RulesetOptions{})
	}
	if err == nil {
		err = out.Flush()
	}
	if err = finish(err); err != nil {
		return err
	}
	return o.summarize(stderr, p, tr, rep)
}

// summarize ends a translation: the printer's notes, the --summary
// counts, and exit status 1 when a rule had an error or was not
// translated.
func (o *translateOpts) summarize(stderr io.Writer, p *emit.Printer, tr *translate.Translator, rep *translate.OptReport) error {
	for _, n := range p.Notes {
		fmt.Fprintln(stderr, n)
	}
	st := tr.Stats()
	if o.summary {
		if rep != nil {
			fmt.Fprintf(stderr, "nft rules: %d (from %d iptables rules; %d merged groups)\n", rep.After, st.Rules, len(rep.Merges))
		}
		fmt.Fprintf(stderr, "rules: %d translated: %d untranslated: %d errors: %d\n", st.Rules, st.Translated, st.Untranslated, st.Errors)
	}
	if st.Errors > 0 || st.Untranslated > 0 {
		return &exitError{1}
	}
	return nil
}

// runExact prints upstream's commands (--exact). A single save file or
// command list is streamed: each command is printed as it is translated,
// as iptables-restore-translate does, so a big dump is never held
// translated whole, and its diagnostics follow the commands. Scripts,
// several files and ipset files are translated whole first, their
// diagnostics printed before the commands: a command can change one
// made before it (an ipset's set made dynamic by a later -j SET, see
// translate.StreamsCommands), also across files.
func (o *translateOpts) runExact(cmd *cobra.Command, args []string) error {
	// Mapped, as for a ruleset (see mapInputs): reading the mixed
	// 1,000,000-rule dump (72 MB) into new memory cost 17,800 page
	// faults.
	var cleanup func()
	read, err := mapInputs(cmd.InOrStdin(), args, cmd.ErrOrStderr(), &cleanup)
	if err != nil {
		return err
	}
	// Strings of a mapped text are read up to the summary's last line.
	defer releaseInputs(read)
	if mapped(read) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer textio.Guard()
	}
	ins, plain, size, err := o.prepare(cmd, read)
	if err != nil {
		return err
	}
	stream := plain && len(ins) == 1 && len(o.ipsets) == 0 && o.seeItem == nil && translate.StreamsCommands(ins[0].src)
	if stream && translate.ReusesMemory(ins[0].src) {
		// A mapped text is not on the heap: the heap may grow by the
		// bytes held of it (heldBytes), not by those mapped. With the
		// mapped bytes too, the mixed 1,000,000-rule dump peaked at 172
		// MB instead of 105.
		streamGC(heldBytes(ins))
	} else {
		tuneGC(size)
	}
	dest, finish, err := o.openOutput(cmd.OutOrStdout())
	if err != nil {
		return err
	}
	if f, ok := dest.(*os.File); ok && o.output != "" {
		// Set before the parse workers that may fault start.
		cleanup = func() { os.Remove(f.Name()) }
	}
	out := bufio.NewWriterSize(dest, 1<<16)
	p := &emit.Printer{Style: emit.Style{Upstream: true}}
	// The commands as iptables-restore-translate writes them, an
	// untranslated rule included.
	write := func(c *ir.Command) {
		switch {
		case c.Op == 0 && c.Table == "":
			return
		case c.Op == ir.CmdUntranslated:
			out.WriteString(emit.RestoreUntranslated(c))
		default:
			out.WriteString(p.CommandText(c))
		}
		out.WriteByte('\n')
	}
	var emitCmd func(*ir.Command)
	if stream {
		emitCmd = write
	}
	m, err := o.migrateInputs(cmd, ins, emitCmd)
	if err != nil {
		return finish(err)
	}
	stderr := cmd.ErrOrStderr()
	printDiags := func() {
		for _, d := range m.tr.Diags() {
			fmt.Fprintln(stderr, d)
		}
	}
	kept := m.tr.Commands() // none if they were streamed
	if len(kept) > 0 {
		printDiags()
	}
	for _, c := range kept {
		write(c)
	}
	if err := finish(out.Flush()); err != nil {
		return err
	}
	if len(kept) == 0 {
		printDiags()
	}
	return o.summarize(stderr, p, m.tr, nil)
}

// inputKind tells how an input is read: a save file or command list
// (script.KindNone), or a script; --script forces either.
func (o *translateOpts) inputKind(cmd *cobra.Command, in input) script.Kind {
	kind := script.Detect(in.name, in.src)
	if cmd.Flags().Changed("script") {
		if !o.script {
			return script.KindNone
		}
		if kind == script.KindNone {
			return script.KindShell
		}
	}
	return kind
}

// openOutput opens where the ruleset goes: stdout, or (--output) a
// file written in place at the end, see openOutputFile.
func (o *translateOpts) openOutput(stdout io.Writer) (w io.Writer, finish func(error) error, err error) {
	return openOutputFile(o.output, stdout)
}

// openOutputFile opens stdout when path is empty, otherwise a temporary
// file next to path, so that a failure half-way never leaves a truncated
// file where the old one was. finish(writeErr) closes it and, if writing
// went well, renames the file into place; otherwise it removes the file
// and returns the error.
func openOutputFile(path string, stdout io.Writer) (w io.Writer, finish func(error) error, err error) {
	if path == "" {
		return stdout, func(err error) error { return err }, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, nil, fmt.Errorf("--output %s: %w", path, errors.Unwrap(err))
	}
	return f, func(writeErr error) error {
		err := f.Chmod(0o644)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if writeErr == nil && err == nil {
			err = os.Rename(f.Name(), path)
		}
		if writeErr == nil && err == nil {
			return nil
		}
		os.Remove(f.Name())
		if writeErr != nil {
			return writeErr // what went wrong writing
		}
		return fmt.Errorf("--output %s: %w", path, err)
	}, nil
}

// writeRuleset writes the normal-mode ruleset the way the translate
// command prints it; opt may ask for line numbers.
func (m *migration) writeRuleset(w io.Writer, p *emit.Printer, opt emit.RulesetOptions) error {
	opt.Header = []string{"Generated by ipt2nft from " + inputNames(m.ins)}
	opt.Replace = true
	return p.WriteRuleset(w, m.rs, opt)
}

// writePlan writes the ruleset as a plan: the text, then the netlink
// batch compiled from the same ruleset (emit.WritePlan).
func (m *migration) writePlan(w io.Writer, p *emit.Printer) error {
	var text bytes.Buffer
	if err := m.writeRuleset(&text, p, emit.RulesetOptions{}); err != nil {
		return err
	}
	prog, err := emit.CompileNetlink(m.rs)
	if err != nil {
		return fmt.Errorf("compiling the plan's batch: %w", err)
	}
	msgs, err := prog.Messages()
	if err != nil {
		return fmt.Errorf("compiling the plan's batch: %w", err)
	}
	var tables []emit.PlanTable
	for _, t := range m.rs.Tables {
		tables = append(tables, emit.PlanTable{Family: t.Family, Name: t.Name})
	}
	st := m.tr.Stats()
	return emit.WritePlan(w, text.Bytes(), tables, msgs, st.Untranslated+st.Errors)
}

func inputNames(ins []input) string {
	var names []string
	for _, in := range ins {
		names = append(names, in.name)
	}
	return strings.Join(names, ", ")
}
