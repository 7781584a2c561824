package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Answer is one object the kernel returned for a request: the family of
// its nfgenmsg header and its attributes.
type Answer struct {
	Family byte
	Attrs  []byte
}

// Request sends one nftables request (NFT_MSG_GET...) with the encoded
// attributes data, in the current network namespace, and returns the
// answers. A dump (NLM_F_DUMP) returns every object; a plain request its
// one answer.
func Request(typ uint16, flags uint16, fam byte, data []byte) ([]Answer, error) {
	var out []Answer
	err := request(typ, flags, fam, data, true, func(a Answer) error {
		out = append(out, a)
		return nil
	})
	return out, err
}

// ErrStop, returned by the function RequestEach calls, ends the request
// there: RequestEach returns nil and the rest of a dump is not read (the
// socket is closed; the kernel drops the dump). The shim's -D stops
// reading a chain of 20,000 rules once it has found the rule.
var ErrStop = errors.New("kernel: stop reading")

// RequestEach is Request calling fn for each answer as it arrives,
// without keeping them: an answer's Attrs are valid only during the
// call (the receive buffer is reused). An error of fn other than ErrStop
// ends the request and is returned.
func RequestEach(typ uint16, flags uint16, fam byte, data []byte, fn func(Answer) error) error {
	err := request(typ, flags, fam, data, false, fn)
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// request sends the request and calls fn for each answer; with keep, the
// answers are slices of a copy of what was received (one per datagram),
// otherwise of the receive buffer.
func request(typ uint16, flags uint16, fam byte, data []byte, keep bool, fn func(Answer) error) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	l := unix.SizeofNlMsghdr + 4 + len(data)
	buf := make([]byte, unix.SizeofNlMsghdr+4, l)
	binary.NativeEndian.PutUint32(buf[0:], uint32(l))
	binary.NativeEndian.PutUint16(buf[4:], nfnlSubsysNftables<<8|typ)
	binary.NativeEndian.PutUint16(buf[6:], unix.NLM_F_REQUEST|flags)
	binary.NativeEndian.PutUint32(buf[8:], 1)
	buf[16] = fam
	buf = append(buf, data...)
	if err := unix.Sendto(fd, buf, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	if !keep && flags&unix.NLM_F_DUMP != 0 {
		return dumpEach(fd, fn)
	}
	rb := getRecvBuf()
	defer putRecvBuf(rb)
	for {
		n, err := recv(fd, rb[:])
		if err != nil {
			return err
		}
		b := rb[:n]
		if keep {
			// One copy of what was received; the answers are slices of it.
			b = append([]byte(nil), b...)
		}
		if end, err := answers(b, flags, fn); end || err != nil {
			return err
		}
	}
}

// answers calls fn for each answer in a datagram and reports whether it
// ends the request (NLMSG_DONE, NLMSG_ERROR, a plain request's answer).
func answers(b []byte, flags uint16, fn func(Answer) error) (bool, error) {
	for len(b) >= unix.SizeofNlMsghdr {
		l := int(binary.NativeEndian.Uint32(b))
		if l < unix.SizeofNlMsghdr || l > len(b) {
			return true, fmt.Errorf("netlink receive: message of %d bytes in %d", l, len(b))
		}
		typ, data := binary.NativeEndian.Uint16(b[4:]), b[unix.SizeofNlMsghdr:l]
		b = b[min((l+unix.NLMSG_ALIGNTO-1)&^(unix.NLMSG_ALIGNTO-1), len(b)):]
		switch typ {
		case unix.NLMSG_DONE:
			return true, nil
		case unix.NLMSG_ERROR:
			if len(data) >= 4 {
				if e := -int32(binary.NativeEndian.Uint32(data[:4])); e != 0 {
					return true, syscall.Errno(e)
				}
			}
			return true, nil
		}
		if len(data) < 4 {
			continue
		}
		if err := fn(Answer{Family: data[0], Attrs: data[4:]}); err != nil {
			return true, err
		}
		if flags&unix.NLM_F_DUMP == 0 {
			return true, nil
		}
	}
	return false, nil
}

// dumpPartSize is the size of a buffer one part of a dump is read into:
// the kernel sends at most 32 KB at a time (netlink_recvmsg).
const dumpPartSize = 64 << 10

// dumpEach reads a dump on another goroutine while fn handles what was
// read: the kernel makes each part of a dump inside the read of the part
// before, so the two overlap (a chain of 20,000 rules is 200 parts). The
// first part is read here: most dumps end in it.
func dumpEach(fd int, fn func(Answer) error) error {
	rb := getRecvBuf()
	n, err := recv(fd, rb[:])
	end := true
	if err == nil {
		end, err = answers(rb[:n], unix.NLM_F_DUMP, fn)
	}
	putRecvBuf(rb)
	if end || err != nil {
		return err
	}
	type part struct {
		b   []byte
		err error
	}
	const nbuf = 3
	free := make(chan []byte, nbuf)
	for range nbuf {
		free <- make([]byte, dumpPartSize)
	}
	parts := make(chan part, nbuf)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(parts)
		for {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			n, err := recvWhole(fd, b)
			select {
			case parts <- part{b[:n], err}:
			case <-stop:
				return
			}
			// The kernel has the next part ready whenever the dump
			// goes on, so a read never waits for long; after the
			// last there is nothing to read.
			if err != nil || ends(b[:n]) {
				return
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	for p := range parts {
		if p.err != nil {
			return p.err
		}
		end, err := answers(p.b, unix.NLM_F_DUMP, fn)
		if end || err != nil {
			return err
		}
		free <- p.b[:cap(p.b)]
	}
	return errors.New("netlink receive: dump ended without NLMSG_DONE")
}

// ends reports whether a datagram ends a dump (NLMSG_DONE or an error).
func ends(b []byte) bool {
	for len(b) >= unix.SizeofNlMsghdr {
		l := int(binary.NativeEndian.Uint32(b))
		if l < unix.SizeofNlMsghdr || l > len(b) {
			return true
		}
		switch binary.NativeEndian.Uint16(b[4:]) {
		case unix.NLMSG_DONE, unix.NLMSG_ERROR:
			return true
		}
		b = b[min((l+unix.NLMSG_ALIGNTO-1)&^(unix.NLMSG_ALIGNTO-1), len(b)):]
	}
	return false
}

// recvWhole is recv that fails on a datagram larger than b.
func recvWhole(fd int, b []byte) (int, error) {
	for {
		n, _, err := unix.Recvfrom(fd, b, unix.MSG_TRUNC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("netlink receive: %w", err)
		}
		if n > len(b) {
			return 0, fmt.Errorf("netlink receive: a message of %d bytes, more than %d", n, len(b))
		}
		return n, nil
	}
}

// recvBufSize is the size of the buffer a netlink answer is read into.
const recvBufSize = 1 << 20

// spareRecvBuf keeps one receive buffer for the next Request or
// SendBatch. A shim command makes a few requests and sends a batch; a
// new megabyte for each was nearly all that "ipset add" allocated (4 MB
// of 4.4) and started a garbage collection in every other run. Not a
// sync.Pool: a pool keeps what is put back for the processor it was put
// on and drops it at a collection, so the next request often missed it.
// Requests at the same time take new buffers, as before. Not a channel
// of one either: made by the package's init, it cost every run of the
// program (translations included) an allocation and some page faults.
var spareRecvBuf atomic.Pointer[[recvBufSize]byte]

// getRecvBuf returns the spare receive buffer, or a new one.
func getRecvBuf() *[recvBufSize]byte {
	if b := spareRecvBuf.Swap(nil); b != nil {
		return b
	}
	return new([recvBufSize]byte)
}

// putRecvBuf keeps b as the spare buffer if there is none. The caller
// keeps nothing of what b holds: answers are copied out of it.
func putRecvBuf(b *[recvBufSize]byte) {
	spareRecvBuf.CompareAndSwap(nil, b)
}

// recv reads one netlink datagram into b, again when interrupted.
func recv(fd int, b []byte) (int, error) {
	for {
		n, _, err := unix.Recvfrom(fd, b, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("netlink receive: %w", err)
		}
		return n, nil
	}
}
