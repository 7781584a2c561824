package translate

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/ipt2nft/ipt2nft/internal/gen"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/internal/textio"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestPiecesNotKept: a file AddPieces read in normal mode, with
// NoProvenance, is not kept by the ruleset, optimized or not, nor by
// the Translator (its diagnostics, the extensions' state): every piece
// is freed while they are still there. (A string the
// ruleset keeps of a piece, not cloned by keep or keepText, would keep
// the whole piece, and the input would again be held to the end.)
func TestPiecesNotKept(t *testing.T) {
	srcs := map[string]string{}
	for _, shape := range []gen.Shape{gen.Mixed, gen.Blocklist, gen.Dispatch, gen.Scattered} {
		var b strings.Builder
		if err := gen.Write(&b, gen.Options{Rules: 2000, Shape: shape, Counters: true}); err != nil {
			t.Fatal(err)
		}
		srcs[string(shape)] = b.String()
	}
	if dir, ok := testutil.SharedPath("corpus/realworld"); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			srcs[filepath.Base(f)] = string(b)
		}
	} else {
		t.Logf("not reading the real-world dumps: %s not found", dir)
	}
	for name, src := range srcs {
		sv := SurveyText(src, iptparse.FamilyAny)
		if sv.Format != iptparse.FormatSave {
			continue
		}
		var made, freed atomic.Int64
		// Pieces of 512 bytes at most (or a line), each a new
		// allocation whose freeing is counted.
		rest := src
		next := func() (string, bool) {
			if rest == "" {
				return "", false
			}
			n := len(rest)
			if i := strings.LastIndexByte(rest[:min(512, len(rest))], '\n'); i >= 0 {
				n = i + 1
			} else if i := strings.IndexByte(rest, '\n'); i >= 0 {
				n = i + 1
			}
			// Not a tiny allocation, whose block other objects share:
			// its cleanup would wait for them.
			b := make([]byte, max(n, 64))
			copy(b, rest[:n])
			p := unsafe.String(&b[0], n)
			rest = rest[n:]
			made.Add(1)
			runtime.AddCleanup(unsafe.StringData(p), func(int) { freed.Add(1) }, 0)
			return p, true
		}
		tr := New(Options{Runs: true, NoProvenance: true})
		tr.AddPieces(name, next, sv)
		rs := tr.Ruleset()
		MergeInet(rs, &OptReport{})
		o := AllOpt()
		o.NoProvenance = true
		Optimize(rs, o)
		for range 3 {
			runtime.GC()
		}
		waitCleanups(func() bool { return freed.Load() == made.Load() })
		if f, m := freed.Load(), made.Load(); f != m {
			t.Errorf("%s: %d of %d pieces kept by the ruleset", name, m-f, m)
		}
		runtime.KeepAlive(rs)
		runtime.KeepAlive(tr)
	}
}

// waitCleanups waits a little for cleanups to run until done.
func waitCleanups(done func() bool) {
	for i := 0; i < 100 && !done(); i++ {
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
	}
}

// TestSurveyPieces: a text surveyed piece by piece, or whole a block at
// a time, is surveyed as the whole text says (its format, whether its
// commands stream, its chain declarations), however it is cut at line
// ends.
func TestSurveyPieces(t *testing.T) {
	texts := []string{"", "\n", ":x\n", "# c\n\n*filter\n:INPUT ACCEPT\n:a -\n-A a -j SET --add-set s src\nCOMMIT",
		"\n\n# only comments\n", "iptables -A INPUT -j ACCEPT\n:x\n", "-A x --del-set y\n:z\r\n:w"}
	var b strings.Builder
	if err := gen.Write(&b, gen.Options{Rules: 300, Shape: gen.Dispatch}); err != nil {
		t.Fatal(err)
	}
	texts = append(texts, b.String())
	for _, text := range texts {
		want := Survey{Format: iptparse.DetectFormat(text), Family: iptparse.FamilyIPv6, Streams: StreamsCommands(text), chainDecls: strings.Count(text, "\n:")}
		for _, size := range []int{1, 3, 17, 100, 1 << 20} {
			if got := surveyText(text, iptparse.FamilyIPv6, size); got.Format != want.Format || got.Family != want.Family || got.Streams != want.Streams || got.chainDecls != want.chainDecls {
				t.Errorf("%.40q in blocks of %d: survey %+v, whole %+v", text, size, got, want)
			}
			got := NewSurvey(iptparse.FamilyIPv6, false)
			p := textio.NewPieces(strings.NewReader(text), size)
			for s, ok := p.Next(); ok; s, ok = p.Next() {
				got.Add(s)
			}
			if got.Format != want.Format || got.Family != want.Family || got.Streams != want.Streams || got.chainDecls != want.chainDecls {
				t.Errorf("%.40q in pieces of %d: survey %+v, whole %+v", text, size, got, want)
			}
		}
	}
}
