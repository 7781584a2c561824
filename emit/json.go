package emit

import (
	"errors"
	"io"

	"github.com/ipt2nft/ipt2nft/ir"
)

// WriteJSON writes rs as libnftables JSON (the format "nft -j -f" reads).
func WriteJSON(w io.Writer, rs *ir.Ruleset) error {
	return errors.New("JSON output is not available yet")
}
