package translate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -m bpf (libxt_bpf.c): run a classic BPF program (--bytecode) or a
// pinned eBPF program (--object-pinned) on the packet. nftables cannot
// run BPF programs, so the match is checked and reported as
// untranslatable.

var extBpf = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "bpf", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "bytecode", Type: iptparse.TypeString},
				{Name: "object-pinned", Type: iptparse.TypeString},
			},
			Check: checkBPF,
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if x.Has("object-pinned") {
				return c.Untranslatable(x, "nftables cannot run a pinned BPF program")
			}
			return c.Untranslatable(x, "nftables cannot run a BPF program (rewrite its test with payload matches)")
		},
	},
}

func init() { registerAll(extBpf) }

const bpfMaxInstr = 64 // XT_BPF_MAX_NUM_INSTR

func checkBPF(x *iptparse.Ext) error {
	bc, pinned := x.Opt("bytecode"), x.Opt("object-pinned")
	if (bc == nil) == (pinned == nil) {
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "bpf: one of --bytecode or --pinned is required"}
	}
	if bc != nil {
		if err := parseBPFBytecode(bc.Arg()); err != nil {
			return &iptparse.Error{Pos: bc.Pos, Ext: x.Label(), Msg: err.Error()}
		}
	}
	return nil
}

// parseBPFBytecode checks "LEN,CODE JT JF K,CODE JT JF K,..." like
// libxt_bpf's bpf_parse_string.
func parseBPFBytecode(s string) error {
	head, rest, found := strings.Cut(s, ",")
	n, err := strconv.ParseUint(strings.TrimSpace(head), 10, 16)
	if !found || err != nil {
		return fmt.Errorf("bpf: error parsing program length")
	}
	if n == 0 {
		return fmt.Errorf("bpf: illegal zero length program")
	}
	if n > bpfMaxInstr {
		return fmt.Errorf("bpf: number of instructions exceeds maximum")
	}
	i := 0
	for _, ins := range strings.Split(rest, ",") {
		if ins == "" {
			// A trailing comma ends the program.
			break
		}
		if uint64(i) >= n {
			return fmt.Errorf("bpf: real program length exceeds the encoded length parameter")
		}
		f := strings.Fields(ins)
		if len(f) != 4 {
			return fmt.Errorf("bpf: error at instr %d", i)
		}
		for j, size := range []int{16, 8, 8, 32} {
			if _, err := strconv.ParseUint(f[j], 10, size); err != nil {
				return fmt.Errorf("bpf: error at instr %d", i)
			}
		}
		i++
	}
	if uint64(i) != n {
		return fmt.Errorf("bpf: parsed program length is less than the encoded length parameter")
	}
	return nil
}
