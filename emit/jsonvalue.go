package emit

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A tiny JSON value model with ordered object keys, so that the output
// reads like nft's own ("family", "table", "name" first) and is stable.
//
// Values are: nil (null), bool, int64, uint64, string, []any, jobj.

// jobj is a JSON object whose keys keep their insertion order.
type jobj []jkv

type jkv struct {
	Key   string
	Value any
}

// obj builds an object from key, value pairs.
func obj(kv ...any) jobj {
	o := make(jobj, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		o = append(o, jkv{kv[i].(string), kv[i+1]})
	}
	return o
}

// one is the common {"key": value} object.
func one(key string, value any) jobj { return jobj{{key, value}} }

// set adds or replaces a key.
func (o *jobj) set(key string, value any) {
	for i := range *o {
		if (*o)[i].Key == key {
			(*o)[i].Value = value
			return
		}
	}
	*o = append(*o, jkv{key, value})
}

// MarshalJSON makes jobj usable with encoding/json (tests decode the
// output with it).
func (o jobj) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	if err := writeJSONValue(&b, o); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// writeJSONValue writes v compactly, with a space after ':' and ','.
func writeJSONValue(b *strings.Builder, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case uint32:
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	case uint64:
		if v > math.MaxInt64 {
			// libnftables reads JSON integers as signed 64-bit.
			return fmt.Errorf("integer %d does not fit a JSON integer for libnftables", v)
		}
		b.WriteString(strconv.FormatUint(v, 10))
	case string:
		writeJSONString(b, v)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeJSONValue(b, e); err != nil {
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
			writeJSONString(b, kv.Key)
			b.WriteString(": ")
			if err := writeJSONValue(b, kv.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("internal error: cannot write %T as JSON", v)
	}
	return nil
}

// writeJSONString writes s as a JSON string. Every string is kept exactly
// (JSON has escapes, unlike nft text); HTML characters are not escaped.
func writeJSONString(b *strings.Builder, s string) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	b.WriteString(strings.TrimSuffix(sb.String(), "\n"))
}
