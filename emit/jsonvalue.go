package emit

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
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
	return appendJSONValue(nil, o)
}

// appendJSONValue appends v to dst compactly, with a space after ':' and
// ','.
func appendJSONValue(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		dst = append(dst, "null"...)
	case bool:
		dst = strconv.AppendBool(dst, v)
	case int:
		dst = strconv.AppendInt(dst, int64(v), 10)
	case int64:
		dst = strconv.AppendInt(dst, v, 10)
	case uint32:
		dst = strconv.AppendUint(dst, uint64(v), 10)
	case uint64:
		if v > math.MaxInt64 {
			// libnftables reads JSON integers as signed 64-bit.
			return dst, fmt.Errorf("integer %d does not fit a JSON integer for libnftables", v)
		}
		dst = strconv.AppendUint(dst, v, 10)
	case string:
		dst = appendJSONString(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			var err error
			if dst, err = appendJSONValue(dst, e); err != nil {
				return dst, err
			}
		}
		dst = append(dst, ']')
	case jobj:
		dst = append(dst, '{')
		for i, kv := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSONString(dst, kv.Key)
			dst = append(dst, ": "...)
			var err error
			if dst, err = appendJSONValue(dst, kv.Value); err != nil {
				return dst, err
			}
		}
		dst = append(dst, '}')
	default:
		return dst, fmt.Errorf("internal error: cannot write %T as JSON", v)
	}
	return dst, nil
}

// appendJSONString appends s as a JSON string, escaped exactly as
// encoding/json does with SetEscapeHTML(false): every string is kept
// (JSON has escapes, unlike nft text), <, > and & are left alone, invalid
// UTF-8 becomes U+FFFD and U+2028/U+2029 are escaped. The tests hold it
// to encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
