package kernel

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// DefaultStateDir holds backups and the pending-confirmation file.
const DefaultStateDir = "/var/lib/ipt2nft"

// Last is the most recent apply: where its backup is and which
// namespace it went into.
type Last struct {
	Netns  string    `json:"netns"`
	Backup string    `json:"backup"`
	Time   time.Time `json:"time"`
}

// SaveLast records the last apply for "ipt2nft rollback".
func SaveLast(stateDir string, l Last) error {
	return writeJSON(filepath.Join(stateDir, "last.json"), l)
}

// LoadLast reads what SaveLast wrote.
func LoadLast(stateDir string) (Last, error) {
	var l Last
	data, err := os.ReadFile(filepath.Join(stateDir, "last.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return l, fmt.Errorf("no apply recorded in %s: nothing to roll back", stateDir)
		}
		return l, err
	}
	return l, json.Unmarshal(data, &l)
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Pending is an apply waiting for confirmation. The timer process holds
// the deadline; whoever first renames the pending file away (the timer
// at the deadline, or "ipt2nft confirm") decides what happens, so a
// confirmation and a rollback can never both happen.
type Pending struct {
	Token    string    `json:"token"`
	PID      int       `json:"pid"`
	Deadline time.Time `json:"deadline"`
	Netns    string    `json:"netns"`
	Backup   string    `json:"backup"`
}

func pendingPath(stateDir string) string { return filepath.Join(stateDir, "pending.json") }

// claim takes the pending file away; it succeeds for one caller only.
func claim(stateDir, as string) (Pending, error) {
	var p Pending
	dst := filepath.Join(stateDir, fmt.Sprintf("pending.%s.%d", as, time.Now().UnixNano()))
	if err := os.Rename(pendingPath(stateDir), dst); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return p, errNothingPending
		}
		return p, err
	}
	defer os.Remove(dst)
	data, err := os.ReadFile(dst)
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal(data, &p)
}

var errNothingPending = errors.New("no apply is waiting for confirmation")

// StartTimer starts the rollback timer: a process in its own session
// (setsid), so it survives the terminal and the ssh connection, that
// restores the backup at the deadline unless "ipt2nft confirm" runs
// first. exe is the ipt2nft binary; it is run as
// "exe __rollback-timer --state-dir DIR".
func StartTimer(exe, stateDir string, p Pending, wait time.Duration) error {
	var b [8]byte
	rand.Read(b[:])
	p.Token = hex.EncodeToString(b[:])
	p.Deadline = time.Now().Add(wait)
	if _, err := os.Stat(pendingPath(stateDir)); err == nil {
		return fmt.Errorf("an earlier apply is still waiting for confirmation (%s): run \"ipt2nft confirm\" or \"ipt2nft rollback\" first", pendingPath(stateDir))
	}
	if err := writeJSON(pendingPath(stateDir), p); err != nil {
		return err
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	logf, err := os.OpenFile(filepath.Join(stateDir, "timer.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(exe, "__rollback-timer", "--state-dir", stateDir, "--token", p.Token)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		os.Remove(pendingPath(stateDir))
		return fmt.Errorf("starting the rollback timer: %w", err)
	}
	p.PID = cmd.Process.Pid
	if err := writeJSON(pendingPath(stateDir), p); err != nil {
		return err
	}
	return cmd.Process.Release()
}

// RunTimer is the body of the timer process: wait for the deadline, then
// roll back unless the apply was confirmed. SIGHUP is ignored; SIGTERM
// (sent by confirm) ends the wait early.
func RunTimer(stateDir, token string) error {
	signal.Ignore(syscall.SIGHUP)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	data, err := os.ReadFile(pendingPath(stateDir))
	if err != nil {
		return nil // confirmed already
	}
	var p Pending
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if p.Token != token {
		return fmt.Errorf("pending apply belongs to another timer")
	}
	select {
	case <-time.After(time.Until(p.Deadline)):
	case <-term:
	}
	got, err := claim(stateDir, "timer")
	if errors.Is(err, errNothingPending) {
		fmt.Printf("%s: no longer pending (confirmed or rolled back): timer ends\n", time.Now().Format(time.RFC3339))
		return nil
	}
	if err != nil {
		return err
	}
	if got.Token != token {
		return fmt.Errorf("pending apply changed under the timer")
	}
	if err := Restore(got.Netns, got.Backup); err != nil {
		return fmt.Errorf("rollback from %s failed: %w", got.Backup, err)
	}
	fmt.Printf("%s: not confirmed in time: restored %s\n", time.Now().Format(time.RFC3339), got.Backup)
	return nil
}

// Confirm keeps the applied ruleset: the timer is told to stop.
func Confirm(stateDir string) (Pending, error) {
	p, err := claim(stateDir, "confirmed")
	if err != nil {
		return p, err
	}
	if p.PID > 0 {
		if proc, err := os.FindProcess(p.PID); err == nil {
			proc.Signal(syscall.SIGTERM)
		}
	}
	return p, nil
}

// RollbackPending restores the backup of a pending apply now (the
// operator answered no).
func RollbackPending(stateDir string) error {
	p, err := claim(stateDir, "rollback")
	if err != nil {
		return err
	}
	if p.PID > 0 {
		if proc, err := os.FindProcess(p.PID); err == nil {
			proc.Signal(syscall.SIGTERM)
		}
	}
	return Restore(p.Netns, p.Backup)
}

// Rollback restores the last backup, cancelling a pending confirmation.
func Rollback(stateDir string) (Last, error) {
	if _, err := os.Stat(pendingPath(stateDir)); err == nil {
		if err := RollbackPending(stateDir); err == nil {
			l, _ := LoadLast(stateDir)
			return l, nil
		} else if !errors.Is(err, errNothingPending) {
			return Last{}, err
		}
	}
	l, err := LoadLast(stateDir)
	if err != nil {
		return l, err
	}
	return l, Restore(l.Netns, l.Backup)
}
