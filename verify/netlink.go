package verify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Netfilter netlink: nfnetlink_log (NFLOG) to see which packets reach the
// local stack, and ctnetlink to flush the connection tracking table
// between probes.

const (
	nfnlSubsysCtnetlink = 1
	nfnlSubsysULOG      = 4

	ipctnlMsgCtDelete = 2

	nfulnlMsgPacket = 0
	nfulnlMsgConfig = 1

	nfulaCfgCmd     = 1
	nfulaCfgMode    = 2
	nfulaCfgQthresh = 5

	nfulnlCfgCmdBind = 1
	nfulnlCopyPacket = 2

	nfulaIfindexIndev = 4
	nfulaPayload      = 9
	nfulaPrefix       = 10
)

// observerGroup is the NFLOG group of the harness's observer chain.
const observerGroup = 65532

// nlSocket is a NETLINK_NETFILTER socket.
type nlSocket struct {
	fd  int
	seq uint32
}

func openNetfilterNetlink() (*nlSocket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_NETFILTER)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	return &nlSocket{fd: fd}, nil
}

func (s *nlSocket) close() { unix.Close(s.fd) }

// nlattr appends a netlink attribute.
func nlattr(b []byte, typ uint16, data []byte) []byte {
	n := 4 + len(data)
	var h [4]byte
	binary.NativeEndian.PutUint16(h[0:], uint16(n))
	binary.NativeEndian.PutUint16(h[2:], typ)
	b = append(b, h[:]...)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// request sends an nfnetlink request and waits for its acknowledgement.
func (s *nlSocket) request(msgType uint16, family uint8, resID uint16, attrs []byte) error {
	s.seq++
	msg := make([]byte, 20, 20+len(attrs))
	binary.NativeEndian.PutUint32(msg[0:], uint32(20+len(attrs)))
	binary.NativeEndian.PutUint16(msg[4:], msgType)
	binary.NativeEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	binary.NativeEndian.PutUint32(msg[8:], s.seq)
	msg[16] = family
	msg[17] = 0 // NFNETLINK_V0
	binary.BigEndian.PutUint16(msg[18:], resID)
	msg = append(msg, attrs...)
	if err := unix.Sendto(s.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 1<<16)
	for range 1000 {
		fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, 1000); err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		n, _, err := unix.Recvfrom(s.fd, buf, 0)
		if errors.Is(err, unix.EAGAIN) {
			return errors.New("netlink: no acknowledgement")
		}
		if err != nil {
			return err
		}
		for _, m := range splitNetlink(buf[:n]) {
			if m.typ == unix.NLMSG_ERROR && m.seq == s.seq && len(m.data) >= 4 {
				if e := int32(binary.NativeEndian.Uint32(m.data)); e != 0 {
					return syscall.Errno(-e)
				}
				return nil
			}
		}
	}
	return errors.New("netlink: no acknowledgement")
}

type nlmsg struct {
	typ  uint16
	seq  uint32
	data []byte // after the netlink header
}

func splitNetlink(b []byte) []nlmsg {
	var r []nlmsg
	for len(b) >= 16 {
		n := int(binary.NativeEndian.Uint32(b[0:]))
		if n < 16 || n > len(b) {
			break
		}
		r = append(r, nlmsg{
			typ:  binary.NativeEndian.Uint16(b[4:]),
			seq:  binary.NativeEndian.Uint32(b[8:]),
			data: b[16:n],
		})
		n = (n + 3) &^ 3
		if n > len(b) {
			break
		}
		b = b[n:]
	}
	return r
}

// attrs parses netlink attributes into a map by type.
func attrs(b []byte) map[uint16][]byte {
	m := map[uint16][]byte{}
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b[0:]))
		typ := binary.NativeEndian.Uint16(b[2:]) & 0x3fff
		if n < 4 || n > len(b) {
			break
		}
		m[typ] = b[4:n]
		n = (n + 3) &^ 3
		if n > len(b) {
			break
		}
		b = b[n:]
	}
	return m
}

// flushConntrack deletes every conntrack entry of the namespace the
// socket belongs to.
func (s *nlSocket) flushConntrack() error {
	return s.request(nfnlSubsysCtnetlink<<8|ipctnlMsgCtDelete, unix.AF_UNSPEC, 0, nil)
}

// bindNFLOG subscribes the socket to an NFLOG group, copying whole packets
// and delivering each message at once (queue threshold 1).
func (s *nlSocket) bindNFLOG(group uint16) error {
	a := nlattr(nil, nfulaCfgCmd, []byte{nfulnlCfgCmdBind})
	if err := s.request(nfnlSubsysULOG<<8|nfulnlMsgConfig, unix.AF_UNSPEC, group, a); err != nil {
		return fmt.Errorf("NFLOG bind group %d: %w", group, err)
	}
	mode := make([]byte, 6)
	binary.BigEndian.PutUint32(mode[0:], 0xffff)
	mode[4] = nfulnlCopyPacket
	a = nlattr(nil, nfulaCfgMode, mode)
	a = nlattr(a, nfulaCfgQthresh, binary.BigEndian.AppendUint32(nil, 1))
	if err := s.request(nfnlSubsysULOG<<8|nfulnlMsgConfig, unix.AF_UNSPEC, group, a); err != nil {
		return fmt.Errorf("NFLOG config group %d: %w", group, err)
	}
	return nil
}

// nflogPacket is one logged packet.
type nflogPacket struct {
	prefix  string
	indev   uint32
	payload []byte
}

// readNFLOG returns the packets of the NFLOG messages that are waiting.
func (s *nlSocket) readNFLOG(buf []byte) ([]nflogPacket, error) {
	var r []nflogPacket
	for {
		n, _, err := unix.Recvfrom(s.fd, buf, unix.MSG_DONTWAIT)
		if errors.Is(err, unix.EAGAIN) {
			return r, nil
		}
		if errors.Is(err, unix.ENOBUFS) {
			return r, errors.New("NFLOG: messages lost (receive buffer overrun)")
		}
		if err != nil {
			return r, err
		}
		for _, m := range splitNetlink(buf[:n]) {
			if m.typ != nfnlSubsysULOG<<8|nfulnlMsgPacket || len(m.data) < 4 {
				continue
			}
			a := attrs(m.data[4:])
			p := nflogPacket{payload: append([]byte(nil), a[nfulaPayload]...)}
			if v := a[nfulaIfindexIndev]; len(v) == 4 {
				p.indev = binary.BigEndian.Uint32(v)
			}
			if v := a[nfulaPrefix]; len(v) > 0 {
				if v[len(v)-1] == 0 {
					v = v[:len(v)-1]
				}
				p.prefix = string(v)
			}
			r = append(r, p)
		}
	}
}
