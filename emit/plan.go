package emit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/ir"
)

// A plan is a printed ruleset with its compiled netlink batch attached
// (ipt2nft --format plan). "ipt2nft apply PLAN" sends the batch as it
// is, without translating again: what was reviewed is what loads, and it
// loads in the time the kernel needs. The batch travels in comment lines
// after the text, so "nft -f PLAN" still reads the ruleset, on a machine
// without ipt2nft too.
//
// Layout:
//
//	# ipt2nft plan 1 ...          PlanHeader and a line of explanation
//	TEXT                          the ruleset as the text output prints it
//	#@plan {JSON}                 planMeta: checksum of TEXT, tables, counts
//	#@ BASE64                     the messages, 3,072 bytes a line
//	#@end
//
// The text's checksum ties the two halves: an edited text is refused,
// since the batch would no longer be what the text says.

// PlanHeader starts every plan file.
const PlanHeader = "# ipt2nft plan 1"

const (
	planMetaPrefix = "#@plan "
	planDataPrefix = "#@ "
	planEnd        = "#@end"
	planLineBytes  = 3072 // raw bytes per base64 line
	planMsgHeader  = 2 + 2 + 1 + 4
)

// PlanTable is a table the plan replaces.
type PlanTable struct {
	Family ir.Family
	Name   string
}

// planMeta is the JSON line between the text and the batch.
type planMeta struct {
	Format       int      `json:"format"`
	ByteOrder    string   `json:"byteOrder"` // of the machine that compiled it
	TextSHA256   string   `json:"textSHA256"`
	Tables       []string `json:"tables"` // "ip ipt2nft"
	Rules        int      `json:"rules"`
	Untranslated int      `json:"untranslated"`
	Messages     int      `json:"messages"`
	Bytes        int      `json:"bytes"` // of the decoded batch
}

// Plan is a plan file read back.
type Plan struct {
	Text   string // the nft script before the batch
	Tables []PlanTable
	Msgs   []NLMsg // Rule is nil; a rule's What is its source position
	Rules  int
	// Untranslated counts the input rules that are only comments in the
	// text: apply wants --allow-partial for them, as for a translation.
	Untranslated int
}

// nativeByteOrder names this machine's byte order: nft and the kernel
// keep meta and ct keys in host order, so a batch belongs to one order.
func nativeByteOrder() string {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	if b[0] == 1 {
		return "little"
	}
	return "big"
}

// WritePlan writes a plan: PlanHeader, text (the ruleset as printed),
// then msgs, the batch compiled from the same ruleset.
func WritePlan(w io.Writer, text []byte, tables []PlanTable, msgs []NLMsg, untranslated int) error {
	var batch []byte
	rules := 0
	for _, m := range msgs {
		what := m.What
		if m.Type == unix.NFT_MSG_NEWRULE {
			rules++
			if m.Rule != nil && m.Rule.Pos().IsValid() {
				what = m.Rule.Pos().String()
			}
		}
		if len(what) > 0xffff {
			what = what[:0xffff]
		}
		batch = binary.LittleEndian.AppendUint16(batch, m.Type)
		batch = binary.LittleEndian.AppendUint16(batch, m.Flags)
		batch = append(batch, m.Family)
		batch = binary.LittleEndian.AppendUint32(batch, uint32(len(m.Data)))
		batch = append(batch, m.Data...)
		batch = binary.LittleEndian.AppendUint16(batch, uint16(len(what)))
		batch = append(batch, what...)
	}
	sum := sha256.Sum256(text)
	meta := planMeta{
		Format: 1, ByteOrder: nativeByteOrder(), TextSHA256: hex.EncodeToString(sum[:]),
		Rules: rules, Untranslated: untranslated, Messages: len(msgs), Bytes: len(batch),
	}
	for _, t := range tables {
		meta.Tables = append(meta.Tables, t.Family.String()+" "+t.Name)
	}
	js, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "%s: \"nft -f\" reads the ruleset below; \"ipt2nft apply\" sends the batch compiled from it (after #@plan).\n", PlanHeader)
	bw.Write(text)
	if len(text) > 0 && text[len(text)-1] != '\n' {
		bw.WriteByte('\n')
	}
	bw.WriteString(planMetaPrefix)
	bw.Write(js)
	bw.WriteByte('\n')
	line := make([]byte, base64.StdEncoding.EncodedLen(planLineBytes))
	for len(batch) > 0 {
		n := min(planLineBytes, len(batch))
		enc := line[:base64.StdEncoding.EncodedLen(n)]
		base64.StdEncoding.Encode(enc, batch[:n])
		bw.WriteString(planDataPrefix)
		bw.Write(enc)
		bw.WriteByte('\n')
		batch = batch[n:]
	}
	bw.WriteString(planEnd + "\n")
	return bw.Flush()
}

// IsPlan tells whether text (or its beginning) is a plan file.
func IsPlan(text string) bool { return strings.HasPrefix(text, PlanHeader) }

// ReadPlan reads a plan file written by WritePlan and checks it: the
// text must be the one the batch was compiled from, and the batch must
// have been compiled on a machine of this byte order.
func ReadPlan(data []byte) (*Plan, error) {
	if !bytes.HasPrefix(data, []byte(PlanHeader)) {
		return nil, errors.New("not an ipt2nft plan (it does not start with \"" + PlanHeader + "\")")
	}
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return nil, errors.New("plan: no ruleset after the first line")
	}
	body := data[nl+1:]
	var text []byte
	var rest []byte
	if bytes.HasPrefix(body, []byte(planMetaPrefix)) {
		text, rest = nil, body
	} else if i := bytes.Index(body, []byte("\n"+planMetaPrefix)); i >= 0 {
		text, rest = body[:i+1], body[i+1:]
	} else {
		return nil, errors.New("plan: the compiled batch is missing (no #@plan line): the file was cut short or edited")
	}
	metaLine, rest, _ := bytes.Cut(rest, []byte("\n"))
	var meta planMeta
	if err := json.Unmarshal(metaLine[len(planMetaPrefix):], &meta); err != nil {
		return nil, fmt.Errorf("plan: the #@plan line: %v", err)
	}
	// The sizes only preallocate: they must fit in what follows.
	if meta.Bytes < 0 || meta.Bytes > len(rest) || meta.Messages < 0 || meta.Messages > meta.Bytes/planMsgHeader+1 {
		return nil, fmt.Errorf("plan: the #@plan line gives %d bytes and %d messages, which the batch that follows cannot hold", meta.Bytes, meta.Messages)
	}
	if meta.Format != 1 {
		return nil, fmt.Errorf("plan: format %d; this ipt2nft reads format 1 (make the plan again with this version)", meta.Format)
	}
	if meta.ByteOrder != nativeByteOrder() {
		return nil, fmt.Errorf("plan: compiled on a %s-endian machine; this one is %s-endian: make the plan here (ipt2nft --format plan)", meta.ByteOrder, nativeByteOrder())
	}
	sum := sha256.Sum256(text)
	if hex.EncodeToString(sum[:]) != meta.TextSHA256 {
		return nil, errors.New("plan: the ruleset text was changed after the plan was made, so the compiled batch no longer matches it: make the plan again, or load the text with nft -f")
	}
	if !bytes.HasPrefix(rest, []byte(planEnd+"\n")) && !bytes.Contains(rest, []byte("\n"+planEnd+"\n")) {
		return nil, errors.New("plan: the batch is incomplete (no #@end line): the file was cut short")
	}
	batch := make([]byte, 0, meta.Bytes)
	dec := make([]byte, base64.StdEncoding.DecodedLen(base64.StdEncoding.EncodedLen(planLineBytes)))
	ended := false
	for lineNo := 1; len(rest) > 0; lineNo++ {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if string(line) == planEnd {
			ended = true
			break
		}
		if !bytes.HasPrefix(line, []byte(planDataPrefix)) {
			return nil, fmt.Errorf("plan: line %d of the batch does not start with %q", lineNo, planDataPrefix)
		}
		enc := line[len(planDataPrefix):]
		if base64.StdEncoding.DecodedLen(len(enc)) > len(dec) {
			return nil, fmt.Errorf("plan: line %d of the batch is too long", lineNo)
		}
		n, err := base64.StdEncoding.Decode(dec, enc)
		if err != nil {
			return nil, fmt.Errorf("plan: line %d of the batch: %v", lineNo, err)
		}
		batch = append(batch, dec[:n]...)
	}
	if !ended || len(batch) != meta.Bytes {
		return nil, fmt.Errorf("plan: the batch is incomplete (%d of %d bytes): the file was cut short", len(batch), meta.Bytes)
	}
	p := &Plan{Text: string(text), Rules: meta.Rules, Untranslated: meta.Untranslated, Msgs: make([]NLMsg, 0, meta.Messages)}
	for _, t := range meta.Tables {
		fam, name, ok := strings.Cut(t, " ")
		f, known := ir.ParseFamily(fam)
		if !ok || !known {
			return nil, fmt.Errorf("plan: bad table %q", t)
		}
		p.Tables = append(p.Tables, PlanTable{f, name})
	}
	for len(batch) > 0 {
		if len(batch) < planMsgHeader {
			return nil, errors.New("plan: the batch ends inside a message")
		}
		m := NLMsg{
			Type:   binary.LittleEndian.Uint16(batch),
			Flags:  binary.LittleEndian.Uint16(batch[2:]),
			Family: batch[4],
		}
		n := int(binary.LittleEndian.Uint32(batch[5:]))
		batch = batch[planMsgHeader:]
		if n > len(batch) || len(batch)-n < 2 {
			return nil, errors.New("plan: the batch ends inside a message")
		}
		m.Data, batch = batch[:n:n], batch[n:]
		wn := int(binary.LittleEndian.Uint16(batch))
		batch = batch[2:]
		if wn > len(batch) {
			return nil, errors.New("plan: the batch ends inside a message")
		}
		m.What, batch = string(batch[:wn]), batch[wn:]
		p.Msgs = append(p.Msgs, m)
	}
	if len(p.Msgs) != meta.Messages {
		return nil, fmt.Errorf("plan: %d messages, the #@plan line says %d", len(p.Msgs), meta.Messages)
	}
	return p, nil
}
