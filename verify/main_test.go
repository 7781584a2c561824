package verify

import (
	"os"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}
