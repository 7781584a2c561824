package emit

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/ir"
)

// JSONCommands returns the commands of the JSON document, the whole tree
// at once, as WriteJSON built them before it streamed.
func JSONCommands(rs *ir.Ruleset) ([]any, error) {
	j := &jsonWriter{}
	var cmds []any
	if err := j.commands(rs, func(c jobj) error { cmds = append(cmds, c); return nil }); err != nil {
		return nil, err
	}
	return append([]any{j.metainfo()}, cmds...), nil
}

// RefJSON writes rs the way WriteJSON did before it streamed: the whole
// tree of commands first (JSONCommands), then the document, with every
// string escaped by encoding/json. Tests hold WriteJSON to it.
func RefJSON(rs *ir.Ruleset) (string, error) {
	cmds, err := JSONCommands(rs)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("{\"nftables\": [\n")
	for i, c := range cmds {
		b.WriteString("  ")
		if err := refJSONValue(&b, c); err != nil {
			return "", err
		}
		if i < len(cmds)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return b.String(), nil
}

func refJSONValue(b *strings.Builder, v any) error {
	switch v := v.(type) {
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := refJSONValue(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case jobj:
		b.WriteByte('{')
		for i, kv := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(refJSONString(kv.Key))
			b.WriteString(": ")
			if err := refJSONValue(b, kv.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case string:
		b.WriteString(refJSONString(v))
	case nil, bool, int, int64, uint32, uint64:
		if u, ok := v.(uint64); ok && u > 1<<63-1 {
			return fmt.Errorf("integer %d does not fit a JSON integer for libnftables", u)
		}
		out, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(out)
	default:
		return fmt.Errorf("internal error: cannot write %T as JSON", v)
	}
	return nil
}

// refJSONString is s as encoding/json writes it without HTML escaping.
func refJSONString(s string) string {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(sb.String(), "\n")
}
