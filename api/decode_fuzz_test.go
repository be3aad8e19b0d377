package api

import (
	"encoding/json"
	"errors"
	"testing"

	"constellate/internal/errs"
)

// FuzzDecodeStrict feeds arbitrary bytes to the strict decoder: it never panics, refuses
// only with a malformed *errs.Error, and accepts only what encoding/json also accepts.
// Seeds: f.Add below and testdata/fuzz/FuzzDecodeStrict.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		`{"name":"Hall","amount":1500,"ratio":0.5,"active":true,"tags":["a"],"answers":{"Q1":"x"},"contact":{"email":"a@b"},"items":[{"qty":2}],"note":"n"}`,
		`{"name":"a","name":"b"}`, `{"Name":"a"}`, `{"amount":"1"}`, `{"a":1}{}`, `[]`, `null`, `{"contact":{"Email":1}}`,
		`{"items":[{"qty":1e400}]}`, `{"name":"\u0000"}`, `{"answers":{"":"","\ud800":"x"}}`, "{\"name\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v decodeTarget
		err := decodeStrict(body, &v)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Malformed || e.Message == "" {
				t.Fatalf("decodeStrict(%q) = %#v, want a malformed *errs.Error", body, err)
			}
			for _, fe := range e.Fields {
				if fe.Field == "" || fe.Message == "" {
					t.Fatalf("decodeStrict(%q): empty field error %+v", body, fe)
				}
			}
			return
		}
		var again decodeTarget
		if err := json.Unmarshal(body, &again); err != nil {
			t.Fatalf("decodeStrict accepted %q, which encoding/json refuses: %v", body, err)
		}
	})
}
