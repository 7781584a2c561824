package script

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"mvdan.cc/sh/v3/interp"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// The script's view of the file system: it reads files inside its own
// directory (never following a link out of it), reads back the files it
// wrote (kept in memory: nothing is written to disk), sees the firewall
// tools in the usual bin directories, and nothing else.

// memFS holds the files the script wrote.
type memFS struct {
	mu    sync.Mutex
	files map[string][]byte
}

func newMemFS() *memFS { return &memFS{files: map[string][]byte{}} }

func (m *memFS) get(p string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[p]
	return b, ok
}

func (m *memFS) put(p string, b []byte, appendTo bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if appendTo {
		b = append(append([]byte(nil), m.files[p]...), b...)
	}
	m.files[p] = b
}

// memWriter collects what the script writes to a file.
type memWriter struct {
	buf     bytes.Buffer
	onClose func([]byte)
	once    sync.Once
}

func (w *memWriter) Read([]byte) (int, error)    { return 0, io.EOF }
func (w *memWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }
func (w *memWriter) Close() error {
	w.once.Do(func() {
		if w.onClose != nil {
			w.onClose(w.buf.Bytes())
		}
	})
	return nil
}

// memReader serves a file's content.
type memReader struct{ *strings.Reader }

func (memReader) Write([]byte) (int, error) { return 0, errors.New("read-only") }
func (memReader) Close() error              { return nil }

func isWrite(flag int) bool {
	return flag&(os.O_WRONLY|os.O_RDWR|os.O_APPEND|os.O_TRUNC|os.O_CREATE) != 0
}

var devices = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"/dev/null": true, "/dev/stdout": true, "/dev/stderr": true, "/dev/stdin": true,
		"/dev/fd/0": true, "/dev/fd/1": true, "/dev/fd/2": true, "/dev/tty": true, "/dev/console": true,
		"/dev/zero": true,
	}
}}

var binDirs = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"/sbin": true, "/bin": true, "/usr/sbin": true, "/usr/bin": true, "/usr/local/sbin": true, "/usr/local/bin": true,
	}
}}

// inDir reports whether p (relative to dir) is inside the script's
// directory, links resolved.
func (s *session) inDir(dir, p string) (string, bool) {
	if s.dir == "" {
		return "", false
	}
	abs := absPath(dir, p)
	if !within(s.dir, abs) {
		return abs, false
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil && !within(s.dir, r) {
		return abs, false
	}
	return abs, true
}

func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// display is how a file inside the script's directory is named in positions.
func (s *session) display(abs string) string {
	if s.dir == "" {
		return abs
	}
	rel, err := filepath.Rel(s.dir, abs)
	if err != nil || !within(s.dir, abs) {
		return abs
	}
	return filepath.Join(filepath.Dir(s.name), rel)
}

// readFile reads a file the script may read: one it wrote, or one inside
// its directory.
func (s *session) readFile(dir, p string) (data, name string, ok bool) {
	abs := absPath(dir, p)
	if b, ok := s.mem.get(abs); ok {
		return string(b), abs, true
	}
	abs, ok = s.inDir(dir, p)
	if !ok {
		return "", "", false
	}
	st, err := os.Stat(abs)
	if err != nil || !st.Mode().IsRegular() || st.Size() > 64<<20 {
		return "", "", false
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		return "", "", false
	}
	return string(b), s.display(abs), true
}

func (s *session) whyNotRead(dir, p string) string {
	if s.dir == "" {
		return "the script came from standard input: no file is read"
	}
	if _, ok := s.inDir(dir, p); !ok {
		return "outside the script's directory; ipt2nft does not read this machine's files"
	}
	return "no such file"
}

// lastPos is the position of the builtin (test, cd) that looks at a path,
// if the last one seen names it.
func (s *session) lastPos(dir, p string) iptparse.Pos {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lc := s.lastCall; lc != nil {
		for _, a := range lc.args[1:] {
			if a == p || absPath(dir, a) == p {
				return lc.pos
			}
		}
	}
	return iptparse.Pos{File: s.name}
}

func stripRedir(p string) (int, string) {
	if !strings.HasPrefix(p, markerPrefix+"redir:") {
		return -1, p
	}
	m := markerRe.Get().FindStringIndex(p)
	if m == nil || m[0] != 0 {
		return -1, p
	}
	sm := markerRe.Get().FindStringSubmatch(p)
	id, _ := strconv.Atoi(sm[2])
	return id, p[m[1]:]
}

// openHandler opens the files of redirections and of source.
func (s *session) openHandler(ctx context.Context, name string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	hc := interp.HandlerCtx(ctx)
	id, p := stripRedir(name)
	var pos iptparse.Pos
	s.mu.Lock()
	if id >= 0 && id < len(s.redirs) {
		ri := s.redirs[id]
		pos = ri.unit.pos(ri.pos)
		ri.path = p
	}
	s.mu.Unlock()
	if id < 0 {
		pos = s.lastPos(hc.Dir, p)
	}
	write := isWrite(flag)
	if p == "" {
		s.warn(pos, "ambiguous redirect: the file name is empty")
		return nil, &os.PathError{Op: "open", Path: p, Err: errors.New("ambiguous redirect")}
	}
	if hasMarker(p) {
		if write {
			s.warn(pos, fmt.Sprintf("not written: a file whose name is %s", s.describe(p)))
			return &memWriter{}, nil
		}
		// reading a process substitution or a file with an unknown name:
		// the reader gets the marker
		return memReader{strings.NewReader(strings.Join(markerRe.Get().FindAllString(p, -1), " ") + "\n")}, nil
	}
	abs := absPath(hc.Dir, p)
	if devices.Get()[abs] {
		if write {
			return &memWriter{}, nil
		}
		return memReader{strings.NewReader("")}, nil
	}
	if write {
		appendTo := flag&os.O_APPEND != 0
		return &memWriter{onClose: func(b []byte) {
			s.mem.put(abs, b, appendTo)
			what := ""
			if t := strings.TrimSpace(string(b)); t != "" && len(t) <= 60 && !strings.Contains(t, "\n") {
				what = fmt.Sprintf(" (the script writes %q)", s.pretty(t))
			}
			s.warn(pos, fmt.Sprintf("not written: %s%s", p, what))
		}}, nil
	}
	if b, ok := s.mem.get(abs); ok {
		return memReader{strings.NewReader(string(b))}, nil
	}
	if abs, ok := s.inDir(hc.Dir, p); ok {
		f, err := os.Open(abs)
		if err != nil {
			s.warn(pos, fmt.Sprintf("not read: %s (%s)", p, "no such file"))
			return nil, &os.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		}
		return f, nil
	}
	s.warn(pos, fmt.Sprintf("not read: %s (%s)", p, s.whyNotRead(hc.Dir, p)))
	return nil, &os.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
}

// fakeInfo describes a file that exists only for the script.
type fakeInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (f fakeInfo) Name() string       { return f.name }
func (f fakeInfo) Size() int64        { return f.size }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

func virtualBin(abs string) bool {
	return binDirs.Get()[filepath.Dir(abs)] && firewallTool(filepath.Base(abs))
}

func (s *session) statHandler(ctx context.Context, name string, follow bool) (fs.FileInfo, error) {
	hc := interp.HandlerCtx(ctx)
	abs := absPath(hc.Dir, name)
	if b, ok := s.mem.get(abs); ok {
		return fakeInfo{name: filepath.Base(abs), size: int64(len(b)), mode: 0o644}, nil
	}
	if devices.Get()[abs] {
		return fakeInfo{name: filepath.Base(abs), mode: fs.ModeDevice | fs.ModeCharDevice | 0o666}, nil
	}
	if virtualBin(abs) {
		return fakeInfo{name: filepath.Base(abs), mode: 0o755}, nil
	}
	if binDirs.Get()[abs] {
		return fakeInfo{name: filepath.Base(abs), mode: fs.ModeDir | 0o755}, nil
	}
	if _, ok := s.inDir(hc.Dir, abs); ok {
		if follow {
			return os.Stat(abs)
		}
		return os.Lstat(abs)
	}
	s.warn(s.lastPos(hc.Dir, abs), fmt.Sprintf("assumed not to exist: %s (%s)", name, s.whyNotRead(hc.Dir, abs)))
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

func (s *session) accessHandler(ctx context.Context, name string, mode interp.AccessMode) error {
	hc := interp.HandlerCtx(ctx)
	abs := absPath(hc.Dir, name)
	if _, ok := s.mem.get(abs); ok {
		if mode&interp.AccessExec != 0 {
			return &fs.PathError{Op: "access", Path: name, Err: fs.ErrPermission}
		}
		return nil
	}
	if devices.Get()[abs] || virtualBin(abs) || binDirs.Get()[abs] {
		return nil
	}
	if _, ok := s.inDir(hc.Dir, abs); ok {
		st, err := os.Stat(abs)
		if err != nil {
			return err
		}
		if mode&interp.AccessExec != 0 && st.Mode()&0o111 == 0 {
			return &fs.PathError{Op: "access", Path: name, Err: fs.ErrPermission}
		}
		return nil
	}
	s.warn(s.lastPos(hc.Dir, abs), fmt.Sprintf("assumed not to exist: %s (%s)", name, s.whyNotRead(hc.Dir, abs)))
	return &fs.PathError{Op: "access", Path: name, Err: fs.ErrNotExist}
}

func (s *session) readDirHandler(ctx context.Context, name string) ([]fs.DirEntry, error) {
	hc := interp.HandlerCtx(ctx)
	if abs, ok := s.inDir(hc.Dir, name); ok {
		return os.ReadDir(abs)
	}
	s.warn(iptparse.Pos{File: s.name}, fmt.Sprintf("not listed: %s (%s)", name, s.whyNotRead(hc.Dir, name)))
	return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
}
