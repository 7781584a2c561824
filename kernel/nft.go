package kernel

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// Nft runs the nft command in the network namespace netns with stdin,
// returning its standard output.
func Nft(netns, stdin string, args ...string) (string, error) {
	var out string
	err := InNetns(netns, func() error {
		cmd := exec.Command("nft", args...)
		cmd.Stdin = strings.NewReader(stdin)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		out = o.String()
		if err != nil {
			return fmt.Errorf("nft %s: %v\n%s", strings.Join(args, " "), err, strings.TrimSpace(e.String()))
		}
		return nil
	})
	return out, err
}
