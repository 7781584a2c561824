// Package kernel talks to the running kernel for "ipt2nft apply": it
// sends compiled rulesets as one netlink transaction, probes which
// expressions the kernel can run, lists, backs up and restores our
// tables, and does all of it inside a chosen network namespace.
package kernel

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/emit"
)

// MsgError is the kernel's answer to one message of a failed batch.
type MsgError struct {
	Index int // into the messages sent
	Msg   emit.NLMsg
	Errno syscall.Errno
}

func (e *MsgError) Error() string {
	if e.Msg.Rule != nil {
		return fmt.Sprintf("%s: rule rejected by the kernel: %v", e.Msg.Rule.Pos(), e.Errno)
	}
	if e.Msg.Type == unix.NFT_MSG_NEWRULE {
		// a plan's rule: What is where it came from
		return fmt.Sprintf("%s: rule rejected by the kernel: %v", e.Msg.What, e.Errno)
	}
	return fmt.Sprintf("%s: rejected by the kernel: %v", e.Msg.What, e.Errno)
}

// BatchError is a transaction the kernel refused as a whole: nothing of
// it was applied.
type BatchError struct {
	Errors []*MsgError
}

func (e *BatchError) Error() string {
	s := "the kernel refused the transaction (nothing was changed)"
	for i, m := range e.Errors {
		if i == 5 {
			s += fmt.Sprintf("\n  ... and %d more", len(e.Errors)-5)
			break
		}
		s += "\n  " + m.Error()
	}
	return s
}

const (
	nfnlMsgBatchBegin  = 0x10
	nfnlMsgBatchEnd    = 0x11
	nfnlSubsysNftables = 10
)

// Progress is told how many messages of the batch have been encoded.
type Progress func(done, total int)

// SendBatch sends msgs as one nftables transaction in the network
// namespace netns ("" for the current one): either every message is
// applied or none. Socket buffers are sized for the batch, so large
// batches neither fail nor report ENOBUFS.
func SendBatch(netns string, msgs []emit.NLMsg, progress Progress) error {
	if len(msgs) == 0 {
		return nil
	}
	return InNetns(netns, func() error { return sendBatch(msgs, progress) })
}

func sendBatch(msgs []emit.NLMsg, progress Progress) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	seq0 := uint32(time.Now().Unix())
	const hdr = unix.SizeofNlMsghdr + 4 // netlink header and nfgenmsg
	aligned := func(n int) int { return (n + 3) &^ 3 }
	// The batch is built in one buffer of its final size: a million-rule
	// batch grown by appends left every smaller copy behind.
	total := 2 * hdr // begin and end
	for _, m := range msgs {
		total += aligned(hdr + len(m.Data))
	}
	buf := make([]byte, 0, total)
	put := func(typ uint16, flags uint16, fam byte, resID uint16, seq uint32, data []byte) {
		start := len(buf)
		buf = buf[:start+hdr]
		h := buf[start:]
		binary.NativeEndian.PutUint32(h[0:], uint32(hdr+len(data)))
		binary.NativeEndian.PutUint16(h[4:], typ)
		binary.NativeEndian.PutUint16(h[6:], flags)
		binary.NativeEndian.PutUint32(h[8:], seq)
		h[16] = fam
		h[17] = 0 // NFNETLINK_V0
		binary.BigEndian.PutUint16(h[18:], resID)
		buf = append(buf, data...)
		buf = buf[:aligned(len(buf))] // the padding: zero, as make left it
	}
	put(nfnlMsgBatchBegin, unix.NLM_F_REQUEST, unix.AF_UNSPEC, nfnlSubsysNftables, seq0, nil)
	last := len(msgs) - 1
	for i, m := range msgs {
		flags := uint16(unix.NLM_F_REQUEST) | m.Flags
		if i == last {
			flags |= unix.NLM_F_ACK
		}
		put(nfnlSubsysNftables<<8|m.Type, flags, m.Family, 0, seq0+1+uint32(i), m.Data)
		if progress != nil && (i%512 == 0 || i == last) {
			progress(i+1, len(msgs))
		}
	}
	endSeq := seq0 + 1 + uint32(len(msgs))
	put(nfnlMsgBatchEnd, unix.NLM_F_REQUEST, unix.AF_UNSPEC, nfnlSubsysNftables, endSeq, nil)

	size := len(buf) + 1<<16
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, size); err != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, size)
	}
	rcv := 4 << 20
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcv); err != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcv)
	}
	tv := unix.Timeval{Sec: 120}
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	if err := unix.Sendto(fd, buf, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send (%d bytes): %w", len(buf), err)
	}
	lastSeq := seq0 + 1 + uint32(last)
	var failed []*MsgError
	rb := getRecvBuf()
	defer putRecvBuf(rb)
	for {
		n, err := recv(fd, rb[:])
		if err != nil {
			return err
		}
		nms, err := syscall.ParseNetlinkMessage(rb[:n])
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		for _, nm := range nms {
			if nm.Header.Type != unix.NLMSG_ERROR || len(nm.Data) < 4 {
				continue
			}
			errno := -int32(binary.NativeEndian.Uint32(nm.Data[:4]))
			seq := nm.Header.Seq
			if errno != 0 {
				if seq <= seq0 || seq >= endSeq {
					return fmt.Errorf("netlink batch: %w", syscall.Errno(errno))
				}
				i := int(seq - seq0 - 1)
				failed = append(failed, &MsgError{Index: i, Msg: msgs[i], Errno: syscall.Errno(errno)})
			}
			if seq == lastSeq {
				if len(failed) > 0 {
					return &BatchError{Errors: failed}
				}
				return nil
			}
		}
	}
}

// NetnsPath resolves a namespace name ("blue" is /run/netns/blue) or
// path; "" stays "" (the current namespace).
func NetnsPath(name string) string {
	if name == "" || os.IsPathSeparator(name[0]) || name[0] == '.' {
		return name
	}
	return "/run/netns/" + name
}

// InNetns runs fn on an OS thread that has joined the network namespace
// netns (a name or path; "" runs fn as is). Sockets opened and commands
// started by fn belong to that namespace.
func InNetns(netns string, fn func() error) error {
	if netns == "" {
		return fn()
	}
	path := NetnsPath(netns)
	target, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("network namespace: %w", err)
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		// The thread is never unlocked: it dies with the goroutine,
		// so no other goroutine ever runs in the namespace.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("unshare: %w", err)
			return
		}
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", path, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}
