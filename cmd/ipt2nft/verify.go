package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/script"
	"github.com/ipt2nft/ipt2nft/verify"
)

type verifyOpts struct {
	tr     translateOpts
	probes int
	seed   int64
	json   bool
}

func newVerifyCmd() *cobra.Command {
	o := &verifyOpts{}
	c := &cobra.Command{
		Use:   "verify ORIGINAL [TRANSLATION]",
		Short: "Prove on the kernel that a translation treats packets like the original",
		Long: `verify loads ORIGINAL (an iptables-save dump) with iptables-legacy-restore
into one throwaway network namespace and the translation (TRANSLATION, an
nft ruleset file, or by default ipt2nft's own translation of ORIGINAL, made
with the same input options as translate) with nft into another, sends the
same probe packets through both (derived from the rules' constants:
addresses, ports, interfaces, states...) and compares what becomes of each.

It prints "probes: N, same: S, differ: D" and, for each difference, the
probe and both fates, then what it cannot observe. The machine's own
network namespace and ruleset are never touched.

Exit status: 0 every probe met the same fate; 1 some differ; 2 verify
cannot run (not root, iptables-legacy-restore or nft missing, a ruleset
that does not load or queues packets; the message says which).`,
		Args: cobra.RangeArgs(1, 2),
		RunE: o.run,
	}
	o.tr.inputFlags(c)
	f := c.Flags()
	f.IntVar(&o.probes, "probes", 300, "number of probes (packet conversations) to send")
	f.Int64Var(&o.seed, "seed", 1, "seed for choosing the probes (the same seed gives the same probes)")
	f.BoolVar(&o.json, "json", false, "print the result as JSON")
	return c
}

// verifyJSON is the --json output.
type verifyJSON struct {
	Original      string           `json:"original"`
	Translation   string           `json:"translation"`
	Family        string           `json:"family"`
	Probes        int              `json:"probes"`
	Same          int              `json:"same"`
	Differ        int              `json:"differ"`
	Retried       int              `json:"retried"`
	PortsRemapped int              `json:"ports_remapped"`
	ElapsedMS     int64            `json:"elapsed_ms"`
	Seed          int64            `json:"seed"`
	Differences   []verifyDiffJSON `json:"differences"`
	NotObserved   []blindJSON      `json:"not_observed"`
	Error         string           `json:"error,omitempty"`
	Exit          int              `json:"exit"`
}

// verifyDiffJSON is a differing probe; the fates have one entry per step
// of the probe.
type verifyDiffJSON struct {
	Probe       string   `json:"probe"`
	Packets     string   `json:"packets"`
	Original    []string `json:"original"`
	Translation []string `json:"translation"`
}

func fateSteps(f verify.Fate) []string {
	l := make([]string, len(f))
	for i, s := range f {
		l[i] = s.String()
	}
	return l
}

type blindJSON struct {
	Name  string `json:"name"`
	What  string `json:"what"`
	Lines []int  `json:"lines,omitempty"`
}

func (o *verifyOpts) run(cmd *cobra.Command, args []string) error {
	if o.probes <= 0 {
		return fmt.Errorf("--probes must be positive")
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	out := &verifyJSON{Original: args[0], Translation: "ipt2nft's translation", Seed: o.seed, Differences: []verifyDiffJSON{}}
	// cannot ends the command with exit status 2.
	cannot := func(format string, a ...any) error {
		msg := fmt.Sprintf(format, a...)
		if o.json {
			out.Error, out.Exit = msg, 2
			writeJSON(stdout, out)
		}
		fmt.Fprintln(stderr, "ipt2nft verify: cannot run:", msg)
		return &exitError{2}
	}
	orig, err := os.ReadFile(args[0])
	if err != nil {
		return cannot("%v", err)
	}
	src := string(orig)
	if script.Detect(args[0], src) != script.KindNone || iptparse.DetectFormat(src) != iptparse.FormatSave {
		return cannot("%s is not an iptables-save dump: verify loads the original with iptables-legacy-restore, which reads only that format (run the script on a test machine and save its ruleset with iptables-save)", args[0])
	}
	fam := iptparse.DetectFamily(src)
	switch {
	case o.tr.ipv6:
		fam = iptparse.FamilyIPv6
	case o.tr.ipv4:
		fam = iptparse.FamilyIPv4
	}
	out.Family = fam.String()
	given, err := o.ipsetFiles()
	if err != nil {
		return cannot("%v", err)
	}
	var givenNames []string
	for _, f := range given {
		for _, s := range f.Sets {
			givenNames = append(givenNames, s.Name)
		}
	}
	lines := blindLines(src, givenNames)
	for _, b := range verify.BlindSpots {
		out.NotObserved = append(out.NotObserved, blindJSON{Name: b.Name, What: b.What, Lines: lines[b.Name]})
	}

	// Check what can be checked before translating.
	if err := verify.Available(); err != nil {
		return cannot("%s", strings.TrimPrefix(err.Error(), verify.ErrUnavailable.Error()+": "))
	}
	tool := "iptables-legacy-restore"
	if fam == iptparse.FamilyIPv6 {
		tool = "ip6tables-legacy-restore"
	}
	if _, err := exec.LookPath(tool); err != nil {
		return cannot("%s is not installed (Debian package iptables)", tool)
	}

	// Probes are aimed at the elements of the sets given.
	ps, err := verify.Probes(src, fam, o.probes, o.seed, given...)
	if err != nil {
		return cannot("making probes: %v", err)
	}
	sets, extra, made, err := o.ipsetsFor(src, fam, ps, given)
	if err != nil {
		return cannot("%v", err)
	}
	if sets != "" {
		if _, err := exec.LookPath("ipset"); err != nil {
			return cannot("the original uses ipsets and the ipset command is not installed (Debian package ipset)")
		}
	}
	if len(made) > 0 {
		if len(args) == 2 {
			return cannot("the original uses ipsets no --ipset file defines (%s): verify cannot know what %s holds; give their \"ipset save\" with --ipset", strings.Join(made, ", "), args[1])
		}
		if !o.json {
			fmt.Fprintf(stderr, "note: no --ipset file defines %s: verify made them from how the rules use them, with a few probe addresses as elements, for both sides\n", strings.Join(made, ", "))
		}
		// The translation reads the made sets too.
		f, err := os.CreateTemp("", "ipt2nft-verify-*.ipset")
		if err != nil {
			return cannot("%v", err)
		}
		defer os.Remove(f.Name())
		_, err = f.WriteString(extra)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return cannot("%v", err)
		}
		o.tr.ipsets = append(o.tr.ipsets, f.Name())
	}

	var translation string
	if len(args) == 2 {
		b, err := os.ReadFile(args[1])
		if err != nil {
			return cannot("%v", err)
		}
		translation, out.Translation = string(b), args[1]
	} else {
		m, err := o.tr.migrate(cmd, args[:1])
		if err != nil {
			return cannot("translating %s: %v", args[0], err)
		}
		var b strings.Builder
		if err := m.writeRuleset(&b, &emit.Printer{}, emit.RulesetOptions{}); err != nil {
			return cannot("translating %s: %v", args[0], err)
		}
		translation = b.String()
		if st := m.tr.Stats(); (st.Untranslated > 0 || st.Errors > 0) && !o.json {
			fmt.Fprintf(stderr, "note: the translation leaves out %d of %d rules (untranslated or rejected; \"ipt2nft report\" lists them): differences on their packets are expected\n", st.Untranslated+st.Errors, st.Rules)
		}
	}

	h, err := verify.New(verify.Options{})
	if err != nil {
		return cannot("%s", strings.TrimPrefix(err.Error(), verify.ErrUnavailable.Error()+": "))
	}
	defer h.Close()
	res, err := h.Compare(context.Background(), verify.Ruleset{IptablesSave: src, Family: fam, IPSetSave: sets}, verify.Ruleset{Nft: translation}, ps)
	var le *verify.LoadError
	switch {
	case errors.As(err, &le) && le.Side == "A":
		return cannot("the original does not load with %s: %s", tool, firstLines(le.Output, 5))
	case errors.As(err, &le):
		return cannot("the translation (%s) does not load with nft: %s", out.Translation, firstLines(le.Output, 5))
	case errors.Is(err, verify.ErrQueue):
		return cannot("the ruleset queues packets to userspace (NFQUEUE/QUEUE or nft queue): this kernel has no nft_queue, and without a listener queued packets are dropped anyway, so verify cannot compare it")
	case err != nil:
		return cannot("%v", err)
	}

	out.Probes, out.Same, out.Differ = len(res.Probes), res.Same, res.Differ
	out.Retried, out.PortsRemapped, out.ElapsedMS = res.Retried, res.PortsRemapped, res.Elapsed.Milliseconds()
	for _, d := range res.Differences() {
		out.Differences = append(out.Differences, verifyDiffJSON{Probe: d.Probe.Name, Packets: d.Probe.Describe(), Original: fateSteps(d.A), Translation: fateSteps(d.B)})
	}
	if res.Differ > 0 {
		out.Exit = 1
	}
	if o.json {
		writeJSON(stdout, out)
	} else {
		writeVerifyText(stdout, out, res.Elapsed)
	}
	if out.Exit != 0 {
		return &exitError{out.Exit}
	}
	return nil
}

// ipsetFiles parses the --ipset files.
func (o *verifyOpts) ipsetFiles() ([]*iptparse.IPSetFile, error) {
	var files []*iptparse.IPSetFile
	for _, name := range o.tr.ipsets {
		text, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		files = append(files, iptparse.ParseIPSetSave(name, string(text)))
	}
	return files, nil
}

// ipsetsFor returns the "ipset save" text the original is loaded with:
// the --ipset files (given, parsed), then extra, the sets its rules use
// that none of them defines, made from how the rules use them
// (verify.IPSetSave), and their names.
func (o *verifyOpts) ipsetsFor(src string, fam iptparse.Family, ps *verify.ProbeSet, given []*iptparse.IPSetFile) (sets, extra string, made []string, err error) {
	var b strings.Builder
	defined := map[string]bool{}
	for _, name := range o.tr.ipsets {
		text, err := os.ReadFile(name)
		if err != nil {
			return "", "", nil, err
		}
		b.Write(text)
		if len(text) > 0 && text[len(text)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	for _, f := range given {
		for _, s := range f.Sets {
			defined[s.Name] = true
		}
	}
	used := verify.UsedIPSets(src)
	extra, err = verify.IPSetSave(used, fam, ps, defined)
	if err != nil {
		return "", "", nil, err
	}
	for _, u := range used {
		if !defined[u.Name] {
			made = append(made, u.Name)
		}
	}
	b.WriteString(extra)
	return b.String(), extra, made, nil
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// steps prints a fate's steps as verify.Fate does.
func steps(in []string) string {
	l := make([]string, len(in))
	for i := range l {
		l[i] = fmt.Sprintf("%d: %s", i+1, in[i])
	}
	return strings.Join(l, " | ")
}

func writeVerifyText(w io.Writer, out *verifyJSON, elapsed time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "verify: %s (iptables-legacy, %s) against %s (nft)\n", out.Original, out.Family, out.Translation)
	fmt.Fprintf(&b, "probes: %d, same: %d, differ: %d\n", out.Probes, out.Same, out.Differ)
	fmt.Fprintf(&b, "(seed %d; %d probes run twice because they differed at first; %d the same up to ports NAT chose at random; %v)\n", out.Seed, out.Retried, out.PortsRemapped, elapsed.Round(time.Millisecond))
	for i, d := range out.Differences {
		fmt.Fprintf(&b, "\ndifference %d: %s\n  packets:     %s\n", i+1, d.Probe, d.Packets)
		fmt.Fprintf(&b, "  original:    %s\n  translation: %s\n", steps(d.Original), steps(d.Translation))
	}
	fmt.Fprintf(&b, "\nNot observed: verify compares packet fates (dropped, delivered, forwarded,\nrewritten, answered) and does not notice differences in:\n")
	for _, bl := range out.NotObserved {
		fmt.Fprintf(&b, "  - %s: %s\n", bl.Name, bl.What)
		if len(bl.Lines) > 0 {
			fmt.Fprintf(&b, "      in this ruleset: %s\n", lineList(bl.Lines, 12))
		}
	}
	io.WriteString(w, b.String())
}

// blindLines finds, per blind spot, the lines of a save file's rules that
// fall into it; given are the sets the --ipset files define.
func blindLines(src string, given []string) map[string][]int {
	m := map[string][]int{}
	for i, l := range strings.Split(src, "\n") {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "-") && !strings.HasPrefix(t, "[") {
			continue
		}
		for _, b := range verify.RuleBlindSpots(t, given...) {
			m[b] = append(m[b], i+1)
		}
	}
	return m
}

func lineList(lines []int, max int) string {
	var parts []string
	for i, l := range lines {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(lines)-max))
			break
		}
		parts = append(parts, fmt.Sprint(l))
	}
	return "line " + strings.Join(parts, ", ")
}

func firstLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = append(l[:n], "...")
	}
	return strings.Join(l, "\n")
}
