package shim

import (
	"slices"
	"strconv"
	"testing"
)

// TestInsertRemoveGroup: the rule list of a chain changes in place. An
// append to a list with room allocates nothing (the list was copied at
// every insert, which made restoring 100,000 rules into one chain
// quadratic), and inserts and removals anywhere keep the other rules in
// order.
func TestInsertRemoveGroup(t *testing.T) {
	m := &model{}
	c := &chain{groups: make([]*group, 0, 1000)}
	var want []string
	names := func() []string {
		var out []string
		for _, g := range c.groups {
			out = append(out, g.spec)
		}
		return out
	}
	for i := range 50 {
		s := strconv.Itoa(i)
		m.insertGroup(c, len(c.groups), &group{spec: s})
		want = append(want, s)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		m.insertGroup(c, len(c.groups), &group{spec: "x"})
		m.removeGroup(c, len(c.groups)-1)
	}); allocs > 1 { // the group itself
		t.Errorf("appending and removing the last rule: %v allocations, want at most the group's", allocs)
	}
	for _, op := range []struct {
		insert bool
		at     int
	}{{true, 0}, {true, 25}, {false, 3}, {true, 51}, {false, 0}, {false, 50}, {true, 10}} {
		if op.insert {
			s := "new" + strconv.Itoa(op.at)
			m.insertGroup(c, op.at, &group{spec: s})
			want = slices.Insert(want, op.at, s)
		} else {
			m.removeGroup(c, op.at)
			want = slices.Delete(want, op.at, op.at+1)
		}
		if got := names(); !slices.Equal(got, want) {
			t.Fatalf("after %+v: %v, want %v", op, got, want)
		}
	}
	if !m.dirty {
		t.Error("the model is not marked dirty")
	}
}
