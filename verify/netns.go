package verify

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
)

// ErrUnavailable is wrapped by the errors New and Compare return when the
// harness cannot run here (not root, a tool missing, an unsupported rule).
var ErrUnavailable = errors.New("kernel differential harness unavailable")

// Available reports why the harness cannot run on this machine, or nil.
// It needs root (to create network namespaces), ip and nft; loading
// iptables rulesets also needs iptables-legacy-restore (checked when a
// ruleset needs it).
func Available() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: not root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)", ErrUnavailable)
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s not installed", ErrUnavailable, tool)
		}
	}
	if _, err := os.Stat("/proc/self/ns/net"); err != nil {
		return fmt.Errorf("%w: no network namespace support: %v", ErrUnavailable, err)
	}
	return nil
}

// netns is a named network namespace ("ip netns add") that the harness
// created and deletes.
type netns struct {
	name string
	// env is added to the environment of commands run inside.
	env []string
}

// nsPrefix starts the names of the harness's namespaces:
// ipt2nft-vPID-RANDOM-{a,b,w}.
const nsPrefix = "ipt2nft-v"

var staleRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^ipt2nft-v([0-9]+)-[0-9a-f]{8}-[abw]$`) }}

// reapStale deletes namespaces of the harness whose process is gone (a
// test run that was killed cannot clean up after itself).
func reapStale() {
	ents, err := os.ReadDir("/run/netns")
	if err != nil {
		return
	}
	for _, e := range ents {
		m := staleRe.Get().FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if _, err := os.Stat("/proc/" + m[1]); err == nil {
			continue // its process is alive
		}
		(&netns{name: e.Name()}).delete()
	}
}

func newName(prefix string) string {
	var b [4]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func addNetns(name string) (*netns, error) {
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip netns add %s: %v: %s", name, err, bytes.TrimSpace(out))
	}
	return &netns{name: name}, nil
}

func (n *netns) delete() error {
	out, err := exec.Command("ip", "netns", "del", n.name).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip netns del %s: %v: %s", n.name, err, bytes.TrimSpace(out))
	}
	return nil
}

// exec runs a command inside the namespace with stdin.
func (n *netns) exec(stdin string, args ...string) (string, error) {
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.name}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	if len(n.env) > 0 {
		cmd.Env = append(os.Environ(), n.env...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// batch runs "ip -batch -" inside the namespace ("ip -n NAME"), which
// never touches the caller's namespace.
func (n *netns) batch(cmds []string) error {
	if len(cmds) == 0 {
		return nil
	}
	cmd := exec.Command("ip", "-n", n.name, "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(cmds, "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip -n %s -batch: %v: %s\ncommands:\n%s", n.name, err, bytes.TrimSpace(out), strings.Join(cmds, "\n"))
	}
	return nil
}

// sysctl sets kernel parameters of the namespace. Only per-namespace
// parameters (under net.) are set, through "ip netns exec", so the
// machine's own settings cannot be reached.
func (n *netns) sysctl(kv [][2]string) error {
	var script strings.Builder
	for _, p := range kv {
		if !strings.HasPrefix(p[0], "net.") {
			return fmt.Errorf("refusing to set non-network sysctl %s", p[0])
		}
		path := "/proc/sys/" + strings.ReplaceAll(p[0], ".", "/")
		fmt.Fprintf(&script, "echo %s > %s || exit 1\n", p[1], path)
	}
	out, err := n.exec(script.String(), "sh", "-s")
	if err != nil {
		return fmt.Errorf("sysctl in %s: %v: %s", n.name, err, out)
	}
	return nil
}

// do runs fn on an OS thread that has entered the namespace. Sockets that
// fn creates belong to the namespace for their whole life, whichever
// thread uses them later.
func (n *netns) do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked: if restoring the namespace fails,
		// Go ends the thread with the goroutine instead of reusing it.
		self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(self)
		target, err := unix.Open("/run/netns/"+n.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", n.name, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(self, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns back from %s: %w", n.name, err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}
