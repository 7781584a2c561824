package emit

import "strings"

// nlLogFlagNames splits nft's combined "tcp sequence,options" (one flag
// word as the printer writes it) into the names of nlLogFlags.
func nlLogFlagNames(n string) []string {
	rest, ok := strings.CutPrefix(n, "tcp ")
	if !ok || !strings.Contains(rest, ",") {
		return []string{n}
	}
	var out []string
	for _, f := range strings.Split(rest, ",") {
		out = append(out, "tcp "+strings.TrimSpace(f))
	}
	return out
}
