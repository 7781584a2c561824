package translate

import (
	"reflect"
	"testing"
	"unsafe"
)

// setField sets c's field f to something not zero (an empty slice of
// capacity 1, a new value, "x") and returns it.
func setField(t *testing.T, c *Ctx, f reflect.StructField) reflect.Value {
	t.Helper()
	v := reflect.NewAt(f.Type, unsafe.Add(unsafe.Pointer(c), f.Offset)).Elem()
	switch f.Type.Kind() {
	case reflect.Slice:
		v.Set(reflect.MakeSlice(f.Type, 0, 1))
	case reflect.Pointer:
		v.Set(reflect.New(f.Type.Elem()))
	case reflect.String:
		v.SetString("x")
	default:
		t.Fatalf("Ctx.%s: a %v, which the test does not set", f.Name, f.Type)
	}
	return v
}

// TestClearForRule: clearForRule zeroes each field of a Ctx that
// translateRule does not set for every rule, one at a time set to
// something, so that a field added to Ctx is cleared too (or named here
// as one translateRule sets).
func TestClearForRule(t *testing.T) {
	setByRule := map[string]bool{"tr": true, "Family": true, "Table": true, "Chain": true, "Exact": true, "Cmd": true, "Rule": true, "stmts": true}
	typ := reflect.TypeFor[Ctx]()
	n := 0
	for i := range typ.NumField() {
		f := typ.Field(i)
		if setByRule[f.Name] {
			continue
		}
		var c Ctx
		v := setField(t, &c, f)
		c.clearForRule()
		if !v.IsZero() {
			t.Errorf("Ctx.%s is not cleared", f.Name)
		}
		n++
	}
	if n < 7 {
		t.Errorf("%d fields cleared, want comment, sets, helpers, chains, counters, split, unless", n)
	}
}

// TestClearForPlainRule: clearForPlainRule, given a context whose sets,
// helpers, chains and split are nil (exactCommand's plain rule), leaves
// it as clearForRule does, each other field set to something in turn.
func TestClearForPlainRule(t *testing.T) {
	setByRule := map[string]bool{"tr": true, "Family": true, "Table": true, "Chain": true, "Exact": true, "Cmd": true, "Rule": true, "stmts": true}
	testedByCaller := map[string]bool{"sets": true, "helpers": true, "chains": true, "split": true}
	typ := reflect.TypeFor[Ctx]()
	n := 0
	for i := range typ.NumField() {
		f := typ.Field(i)
		if setByRule[f.Name] || testedByCaller[f.Name] {
			continue
		}
		var plain, full Ctx
		setField(t, &plain, f)
		setField(t, &full, f)
		plain.clearForPlainRule()
		full.clearForRule()
		if !reflect.DeepEqual(plain, full) {
			t.Errorf("Ctx.%s set: clearForPlainRule left %+v, clearForRule %+v", f.Name, plain, full)
		}
		if !reflect.ValueOf(plain).IsZero() {
			t.Errorf("Ctx.%s is not cleared", f.Name)
		}
		n++
	}
	if n < 3 {
		t.Errorf("%d fields cleared, want comment, counters, unless", n)
	}
}
