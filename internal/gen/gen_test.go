package gen

import (
	"bytes"
	"regexp"
	"testing"
)

var ruleLine = regexp.MustCompile(`(?m)^(\[\d+:\d+\] )?-A `)

func TestSizesAndDeterminism(t *testing.T) {
	for _, shape := range []Shape{Mixed, Blocklist, Dispatch} {
		for _, n := range []int{100, 1000, 20000} {
			var a, b bytes.Buffer
			if err := Write(&a, Options{Rules: n, Shape: shape, Seed: 7}); err != nil {
				t.Fatal(err)
			}
			Write(&b, Options{Rules: n, Shape: shape, Seed: 7})
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%s/%d: not deterministic", shape, n)
			}
			got := len(ruleLine.FindAll(a.Bytes(), -1))
			if got < n*9/10 || got > n*11/10+10 {
				t.Errorf("%s/%d: %d rules", shape, n, got)
			}
		}
	}
}

func TestProbes(t *testing.T) {
	for _, shape := range []Shape{Mixed, Blocklist, Dispatch} {
		o := Options{Rules: 1000, Shape: shape, Seed: 3}
		a, b := Probes(o, 50), Probes(o, 50)
		if len(a) != 50 {
			t.Fatalf("%s: %d probes", shape, len(a))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: probes not deterministic", shape)
			}
			if a[i].Hook == "" || a[i].Src == "" || a[i].Dst == "" {
				t.Errorf("%s: probe %d incomplete: %+v", shape, i, a[i])
			}
		}
	}
}
