package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"golang.org/x/term"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
)

var counterRE = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`counter packets \d+ bytes \d+| expires [0-9dhms]+`) }}

// progress draws a bar on a terminal for large applies; it is silent
// when stderr is not a terminal or the batch is small.
type progress struct {
	w     io.Writer
	total int
	on    bool
	last  int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && total >= 1000 {
		p.on = true
	}
	return p
}

func (p *progress) update(done, total int) {
	if !p.on {
		return
	}
	pct := done * 100 / total
	if pct == p.last && done != total {
		return
	}
	p.last = pct
	const width = 40
	n := pct * width / 100
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d messages", strings.Repeat("#", n), strings.Repeat(".", width-n), pct, done, total)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
