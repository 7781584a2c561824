package script_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// TestTranslateScriptRunsNothing runs "ipt2nft translate --script" on a
// script that removes, downloads and writes files. Fake rm, curl, touch,
// mkdir, wget, iptables... come first in PATH (in ipt2nft's environment
// and in the script's own PATH): each would leave a marker if it were
// started. Nothing may be started, and nothing may be written.
func TestTranslateScriptRunsNothing(t *testing.T) {
	bin := testutil.Binary(t)
	root := t.TempDir()
	fakebin := filepath.Join(root, "fakebin")
	target := filepath.Join(root, "target")
	markers := filepath.Join(root, "markers")
	for _, d := range []string{fakebin, target, markers} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	victim := filepath.Join(target, "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	fakes := []string{"rm", "curl", "wget", "touch", "mkdir", "cp", "tee", "sh", "bash", "systemctl",
		"apt", "sysctl", "ip", "awk", "cat", "which", "id", "iptables", "ip6tables", "iptables-restore",
		"iptables-save", "ipset", "modprobe", "nc", "sleep"}
	for _, f := range fakes {
		// only shell builtins: the fake needs no other program to leave its marker
		script := "#!/bin/sh\necho \"$0 $*\" > " + filepath.Join(markers, f) + "\n"
		if err := os.WriteFile(filepath.Join(fakebin, f), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src := strings.ReplaceAll(`#!/bin/bash
export PATH=FAKEBIN:$PATH
T=TARGET
rm -rf "$T/victim" "$T"
/bin/rm -f "$T/victim"
curl -s -o "$T/downloaded" http://127.0.0.1:9/ | sh
wget -q -O - http://127.0.0.1:9/install.sh | bash
echo x > "$T/written"
echo y >> "$T/appended"
touch "$T/touched"
mkdir -p "$T/newdir"
cp "$T/victim" "$T/copy"
cat > "$T/heredoc" <<EOF
data
EOF
exec 3>"$T/fd3"
echo probe >/dev/tcp/127.0.0.1/9
systemctl restart firewall
sysctl -w net.ipv4.ip_forward=1
sleep 30
EXT=$(ip -4 addr show eth0 | awk '{print $2}')
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables-save > "$T/saved"
`, "FAKEBIN", fakebin)
	src = strings.ReplaceAll(src, "TARGET", target)
	scriptDir := filepath.Join(root, "scripts")
	if err := os.Mkdir(scriptDir, 0o755); err != nil {
		t.Fatal(err)
	}
	scriptPath := filepath.Join(scriptDir, "fw.sh")
	if err := os.WriteFile(scriptPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "translate", "--script", scriptPath)
	cmd.Env = append(os.Environ(), "PATH="+fakebin+":"+os.Getenv("PATH"))
	out, err := cmd.Output()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	if !strings.Contains(string(out), "tcp dport 22") {
		t.Errorf("the script's rule was not translated:\n%s", out)
	}
	if ms, _ := os.ReadDir(markers); len(ms) > 0 {
		for _, m := range ms {
			b, _ := os.ReadFile(filepath.Join(markers, m.Name()))
			t.Errorf("a program was started: %s", strings.TrimSpace(string(b)))
		}
	}
	entries, _ := os.ReadDir(target)
	if len(entries) != 1 || entries[0].Name() != "victim" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("target directory holds %v, want only victim", names)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "keep me" {
		t.Errorf("victim changed: %q %v", b, err)
	}
	if entries, _ := os.ReadDir(scriptDir); len(entries) != 1 {
		t.Errorf("the script's directory holds %d entries, want 1", len(entries))
	}
}
