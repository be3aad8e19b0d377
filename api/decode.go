package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"constellate/internal/errs"
)

// decodeJSON reads the request body strictly into dst, a request type (never a row or domain
// struct). It refuses, naming the problem: a media type other than application/json (415),
// an oversized body (413), malformed JSON, trailing data, duplicate keys, keys that match a
// field only case-insensitively, unknown fields, wrong types, values a field's own decoder
// refuses (a date that is not RFC 3339) and bytes that are not UTF-8 (400). Nothing of the
// request is taken from the path or query here: ids come from c.Param only.
func decodeJSON(c echo.Context, dst any) error {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != echo.MIMEApplicationJSON {
		return errs.E(errs.UnsupportedMediaType, "send the body as application/json")
	}
	body, err := requestBody(c)
	if err != nil {
		return err
	}
	return decodeStrict(body, dst)
}

// requestBody reads the body once and keeps it on the context, so decoding and the
// Idempotency-Key fingerprint (respond) see the same bytes in whichever order they run.
func requestBody(c echo.Context) ([]byte, error) {
	if b, ok := c.Get(bodyKey).([]byte); ok {
		return b, nil
	}
	req := c.Request()
	if req.Body == nil {
		c.Set(bodyKey, []byte{})
		return []byte{}, nil
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errs.E(errs.TooLarge, "the request body is larger than 1 MiB")
		}
		return nil, errs.E(errs.Malformed, "the request body could not be read")
	}
	c.Set(bodyKey, body)
	return body, nil
}

const bodyKey = "constellate.body"

// decodeStrict is decodeJSON without the HTTP parts (fuzzed directly).
func decodeStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return malformed("", "the request body is empty; send a JSON object")
	}
	// encoding/json would silently turn bytes that are not UTF-8 into U+FFFD: what is stored
	// must be what was sent, so such a body is refused.
	if !utf8.Valid(body) {
		return malformed("", "the request body is not valid UTF-8")
	}
	var generic any
	if err := scanJSON(body, &generic); err != nil {
		return err
	}
	if _, ok := generic.(map[string]any); !ok {
		return malformed("", "the request body must be a JSON object")
	}
	if f := checkKeys(generic, reflect.TypeOf(dst), ""); f != nil {
		return f
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			return malformed(field, fmt.Sprintf("must be %s", jsonKind(te.Type)))
		}
		// A field type's own UnmarshalJSON (time.Time's) failed: encoding/json does not say
		// which field, so the parsed body is walked beside the type to find it.
		if field, t := refusedValue(generic, reflect.TypeOf(dst), ""); field != "" {
			return malformed(field, "must be "+unmarshalerKind(t))
		}
		return malformed("", "the request body is not valid JSON")
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

// unmarshalerKind says what a type with its own JSON decoding expects.
func unmarshalerKind(t reflect.Type) string {
	if t == timeType {
		return "a date and time in RFC 3339 form, e.g. 2025-03-31T17:00:00Z"
	}
	return "a valid " + t.Name()
}

// refusedValue finds, in a parsed body, the first value whose field type decodes itself
// (implements json.Unmarshaler) and refuses it: its path and that type; "" when none.
func refusedValue(v any, t reflect.Type, path string) (string, reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		raw, err := json.Marshal(v)
		if err == nil && json.Unmarshal(raw, reflect.New(t).Interface()) != nil {
			return fieldOr(path), t
		}
		return "", nil
	}
	switch x := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Map:
			for _, k := range sortedKeys(x) {
				if f, ft := refusedValue(x[k], t.Elem(), join(path, k)); f != "" {
					return f, ft
				}
			}
		case reflect.Struct:
			fields := jsonFields(t)
			for _, k := range sortedKeys(x) {
				if ft, ok := fields[k]; ok {
					if f, bad := refusedValue(x[k], ft, join(path, k)); f != "" {
						return f, bad
					}
				}
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, e := range x {
				if f, ft := refusedValue(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); f != "" {
					return f, ft
				}
			}
		}
	}
	return "", nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func malformed(field, msg string) error {
	e := &errs.Error{Code: errs.Malformed, Message: msg}
	if field != "" {
		e.Message = "the request body has a problem with " + field
		e.Fields = []errs.FieldError{{Field: field, Message: msg}}
	}
	return e
}

// scanJSON parses body as one JSON value, refusing duplicate keys and trailing data.
func scanJSON(body []byte, out *any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := scanValue(dec, "")
	if err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("", "the request body has data after the JSON value")
	}
	*out = v
	return nil
}

const maxDepth = 32

func scanValue(dec *json.Decoder, path string) (any, error) {
	if strings.Count(path, ".")+strings.Count(path, "[") > maxDepth {
		return nil, malformed("", "the request body is nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, malformed("", "the request body is not valid JSON")
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, malformed("", "the request body is not valid JSON")
				}
				k, _ := kt.(string)
				p := join(path, k)
				if strings.ContainsRune(k, 0) {
					return nil, malformed("", "the request body has a key containing a NUL character")
				}
				if _, dup := m[k]; dup {
					return nil, malformed(p, "appears more than once")
				}
				v, err := scanValue(dec, p)
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, malformed("", "the request body is not valid JSON")
			}
			return m, nil
		case '[':
			var a []any
			for i := 0; dec.More(); i++ {
				v, err := scanValue(dec, fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, malformed("", "the request body is not valid JSON")
			}
			return a, nil
		}
		return nil, malformed("", "the request body is not valid JSON")
	case string:
		// No text we store may hold NUL: Postgres refuses it, and it is never meant.
		if strings.ContainsRune(t, 0) {
			return nil, malformed(fieldOr(path), "must not contain NUL characters (\\u0000)")
		}
		return t, nil
	default:
		return t, nil
	}
}

// fieldOr names a value's place in the body; the top level is "body".
func fieldOr(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// checkKeys walks a parsed body beside the Go type it will fill and names the first key that
// is not exactly one of the type's JSON field names (encoding/json would otherwise accept
// "Status" for "status", or drop it silently when it is read-only).
func checkKeys(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() == reflect.Map || t.Kind() == reflect.Interface {
			if t.Kind() == reflect.Map {
				for k, e := range x {
					if err := checkKeys(e, t.Elem(), join(path, k)); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if t.Kind() != reflect.Struct || t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
			return nil
		}
		fields := jsonFields(t)
		for k, e := range x {
			ft, ok := fields[k]
			if !ok {
				return malformed(join(path, k), "is not a field of this request (field names are exact and case-sensitive; read-only fields cannot be set)")
			}
			if err := checkKeys(e, ft, join(path, k)); err != nil {
				return err
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, e := range x {
				if err := checkKeys(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// jsonFields maps a struct's exact JSON names to field types, following embedded structs.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			// As encoding/json: an embedded struct's fields are promoted, even when the
			// struct type itself is unexported (but not through an unexported pointer).
			et := f.Type
			if et.Kind() == reflect.Pointer {
				if !f.IsExported() {
					continue
				}
				et = et.Elem()
			}
			if et.Kind() != reflect.Struct {
				if f.IsExported() {
					out[f.Name] = f.Type
				}
				continue
			}
			for k, v := range jsonFields(et) {
				if _, outer := out[k]; !outer {
					out[k] = v
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value of another type"
}
