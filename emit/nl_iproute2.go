package emit

import (
	"os"
	"strconv"
	"strings"
)

// iproute2Value looks a name up in /etc/iproute2/FILE ("id name"
// lines), as nft does for realm and devgroup names.
func iproute2Value(file, name string) (uint64, bool) {
	data, err := os.ReadFile("/etc/iproute2/" + file)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || f[1] != name {
			continue
		}
		if v, err := strconv.ParseUint(f[0], 0, 32); err == nil {
			return v, true
		}
	}
	return 0, false
}
