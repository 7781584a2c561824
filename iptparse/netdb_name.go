package iptparse

import (
	"strconv"
	"strings"
	"sync"
)

var (
	serviceNamesOnce sync.Once
	serviceNames     map[string]string // "22/tcp" -> "ssh" (first name)
)

// ServiceName is getservbyport: the first name netbase's services list
// gives the port for the protocol ("tcp", "udp"...), or "".
func ServiceName(port uint16, proto string) string {
	serviceNamesOnce.Do(func() {
		serviceNames = map[string]string{}
		for _, line := range strings.Split(servicesFile, "\n") {
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			if _, dup := serviceNames[f[1]]; !dup {
				serviceNames[f[1]] = f[0]
			}
		}
	})
	return serviceNames[strconv.Itoa(int(port))+"/"+proto]
}
