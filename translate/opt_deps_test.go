package translate

import (
	"slices"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestDeleteStmt checks deleteStmt against slices.Delete at each place
// of lists of up to five statements, and that it works in the list's own
// memory, as append did.
func TestDeleteStmt(t *testing.T) {
	for n := 1; n <= 5; n++ {
		for i := range n {
			stmts := make([]ir.Stmt, n)
			for k := range stmts {
				stmts[k] = &ir.Comment{Text: string(rune('a' + k))}
			}
			want := slices.Delete(slices.Clone(stmts), i, i+1)
			got := deleteStmt(stmts, i)
			if !slices.Equal(got, want) {
				t.Fatalf("deleting %d of %d: got %v, want %v", i, n, got, want)
			}
			if n > 1 && &got[0] != &stmts[0] {
				t.Fatalf("deleting %d of %d: new memory", i, n)
			}
		}
	}
}
