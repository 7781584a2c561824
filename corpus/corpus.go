// Package corpus holds ipt2nft's own golden test cases (testdata/*.txtar)
// and their runner, plus the real-world corpus checks against ../shared.
//
// A golden case is a txtar archive:
//
//	What the case is about (free text).
//	-- args --
//	-6 --summary
//	-- rules.v4 --
//	*filter
//	...
//	-- stdout --
//	table ip ipt2nft ...
//	-- stderr --
//	rules.v4:3:5: warning: ...
//	-- exit --
//	1
//
// Every file whose name is not args, stdout, stderr or exit is an input
// file, passed to ipt2nft in archive order. Run "go test ./corpus -update"
// to rewrite stdout, stderr and exit from the current output.
package corpus

import (
	"strings"

	"golang.org/x/tools/txtar"
)

// Case is one golden case.
type Case struct {
	Name    string
	Comment string
	Args    []string
	Inputs  []txtar.File
	Stdout  string
	Stderr  string
	Exit    string
	HasOut  bool
	Archive *txtar.Archive
}

var special = map[string]bool{"args": true, "stdout": true, "stderr": true, "exit": true}

// Parse reads a golden case from its archive text.
func Parse(name string, data []byte) *Case {
	a := txtar.Parse(data)
	c := &Case{Name: name, Comment: string(a.Comment), Archive: a}
	for _, f := range a.Files {
		switch f.Name {
		case "args":
			c.Args = strings.Fields(string(f.Data))
		case "stdout":
			c.Stdout, c.HasOut = string(f.Data), true
		case "stderr":
			c.Stderr = string(f.Data)
		case "exit":
			c.Exit = strings.TrimSpace(string(f.Data))
		default:
			c.Inputs = append(c.Inputs, f)
		}
	}
	return c
}

// Update returns the archive with stdout, stderr and exit replaced.
func (c *Case) Update(stdout, stderr, exit string) []byte {
	a := &txtar.Archive{Comment: c.Archive.Comment}
	for _, f := range c.Archive.Files {
		if !special[f.Name] || f.Name == "args" {
			a.Files = append(a.Files, f)
		}
	}
	a.Files = append(a.Files, txtar.File{Name: "stdout", Data: []byte(stdout)})
	if stderr != "" {
		a.Files = append(a.Files, txtar.File{Name: "stderr", Data: []byte(stderr)})
	}
	a.Files = append(a.Files, txtar.File{Name: "exit", Data: []byte(exit + "\n")})
	return txtar.Format(a)
}
