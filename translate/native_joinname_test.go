package translate

import (
	"fmt"
	"strings"
	"testing"
)

// TestJoinNameKeepsEarlierNames checks that the names joinName writes
// into its shared blocks stay as they were made while it makes more,
// across new blocks and names longer than a block.
func TestJoinNameKeepsEarlierNames(t *testing.T) {
	l := &nativeLayout{}
	var want, got []string
	for i := range 3000 {
		table, name := "nat", fmt.Sprintf("KUBE-SVC-%d", i)
		if i%700 == 0 {
			name = strings.Repeat("x", 5000+i) // longer than a block
		}
		want = append(want, table+"_"+name)
		got = append(got, l.joinName(table, name))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("name %d is %.40q, want %.40q", i, got[i], want[i])
		}
	}
}
