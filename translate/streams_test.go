package translate

import (
	"strings"
	"testing"
)

// TestHasLongOption: hasLongOption is strings.Contains(src, "--"+name),
// whichever byte of the needle it searches by.
func TestHasLongOption(t *testing.T) {
	for _, src := range []string{
		"", "add-set", "-add-set", "--add-set", "x--add-set", "--add-se", "--dd-set",
		"-A X -p tcp -j SET --add-set foo src\n", "-m comment --comment add-set",
		"add-set --add-set", "add-setadd-set--add-set", "-add-set-add-set",
		"--del-set", "---del-set", "- -del-set", "--\ndel-set",
		strings.Repeat("-m set --match-set s src ", 100) + "--del-set x",
		strings.Repeat("-A add-set -j add-set ", 100),
	} {
		for _, name := range []string{"add-set", "del-set"} {
			for key := range len(name) + 2 {
				if got, want := hasLongOption(src, name, key), strings.Contains(src, "--"+name); got != want {
					t.Errorf("hasLongOption(%q, %q, %d) = %v, want %v", src, name, key, got, want)
				}
			}
		}
	}
}
