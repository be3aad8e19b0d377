package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/errs"
)

// decodeTarget exercises nesting, slices, maps, pointers and embedding.
type decodeTarget struct {
	Name    string            `json:"name"`
	Amount  int64             `json:"amount"`
	Ratio   float64           `json:"ratio"`
	Active  *bool             `json:"active"`
	Tags    []string          `json:"tags"`
	Answers map[string]string `json:"answers"`
	Contact *struct {
		Email string `json:"email"`
	} `json:"contact"`
	Items []struct {
		Qty int `json:"qty"`
	} `json:"items"`
	When *time.Time `json:"when"`
	decodeEmbedded
	Ignored string `json:"-"`
}

type decodeEmbedded struct {
	Note string `json:"note"`
}

func TestDecodeStrictAccepts(t *testing.T) {
	var v decodeTarget
	err := decodeStrict([]byte(` {"name":"Hall","amount":1500,"ratio":0.5,"active":true,"tags":["a"],"answers":{"Q1":"x"},
		"contact":{"email":"a@example.org"},"items":[{"qty":2}],"note":"hi"} `), &v)
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "Hall" || v.Amount != 1500 || v.Ratio != 0.5 || v.Active == nil || !*v.Active || v.Tags[0] != "a" ||
		v.Answers["Q1"] != "x" || v.Contact.Email != "a@example.org" || v.Items[0].Qty != 2 || v.Note != "hi" {
		t.Errorf("decoded %+v", v)
	}
}

// TestDecodeStrictKeepsText: escapes decode to what they say (a surrogate pair to one
// character, an escaped backslash to a backslash), U+FFFD escaped or not is kept, and a valid
// date decodes.
func TestDecodeStrictKeepsText(t *testing.T) {
	for body, want := range map[string]string{
		`{"name":"\ud83d\ude00"}`: "😀",
		`{"name":"\\ud800"}`:      `\ud800`,
		`{"name":"\ufffd"}`:       "\ufffd",
		"{\"name\":\"\ufffd\"}":   "\ufffd",
		`{"name":"a\\\u00e9"}`:    `a\é`,
	} {
		var v decodeTarget
		if err := decodeStrict([]byte(body), &v); err != nil || v.Name != want {
			t.Errorf("%s: %q, %v; want %q", body, v.Name, err, want)
		}
	}
	var v decodeTarget
	if err := decodeStrict([]byte(`{"when":"2025-03-31T17:00:00Z"}`), &v); err != nil || v.When == nil || !v.When.Equal(time.Date(2025, 3, 31, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("a valid date: %v, %v", v.When, err)
	}
}

func TestDecodeStrictRefuses(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"empty", ``, ""},
		{"whitespace", " \n\t", ""},
		{"not JSON", `hello`, ""},
		{"truncated", `{"name":"Hall"`, ""},
		{"array", `[{"name":"Hall"}]`, ""},
		{"string", `"Hall"`, ""},
		{"null", `null`, ""},
		{"trailing object", `{"name":"a"}{"name":"b"}`, ""},
		{"trailing garbage", `{"name":"a"} x`, ""},
		{"trailing comma", `{"name":"a",}`, ""},
		{"duplicate key", `{"name":"a","name":"b"}`, "name"},
		{"nested duplicate key", `{"contact":{"email":"a","email":"b"}}`, "contact.email"},
		{"case-mismatched key", `{"Name":"a"}`, "Name"},
		{"nested case-mismatched key", `{"contact":{"Email":"a"}}`, "contact.Email"},
		{"unknown field", `{"name":"a","status":"approved"}`, "status"},
		{"unknown nested field", `{"items":[{"qty":1,"price":2}]}`, "items[0].price"},
		{"ignored field", `{"Ignored":"x"}`, "Ignored"},
		{"string for int", `{"amount":"1500"}`, "amount"},
		{"float for int", `{"amount":15.5}`, "amount"},
		{"int overflow", `{"amount":99999999999999999999}`, "amount"},
		{"object for string", `{"name":{"a":1}}`, "name"},
		{"string for bool", `{"active":"yes"}`, "active"},
		{"number for array", `{"tags":5}`, "tags"},
		{"number in string array", `{"tags":[5]}`, "tags"},
		{"wrong map value", `{"answers":{"Q1":3}}`, "answers"},
		{"NUL in a string", `{"name":"a\u0000b"}`, "name"},
		{"escaped duplicate key", `{"name":"a","n\u0061me":"b"}`, "name"},
		{"long-s key (encoding/json folds it to tags)", "{\"tag\u017F\":[\"a\"]}", "tag\u017F"},
		{"escaped upper-case key", `{"nam\u0045":"a"}`, "namE"},
		{"invalid UTF-8 in a string", "{\"name\":\"a\xffb\"}", ""},
		{"invalid UTF-8 in a key", "{\"na\xffme\":\"a\"}", ""},
		{"NUL in an array", `{"tags":["ok","\u0000"]}`, "tags[1]"},
		{"NUL in a key", `{"na\u0000me":"a"}`, ""},
		{"too deep", strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40), ""},
		{"month 13 in a date", `{"when":"2025-13-45T09:00:00Z"}`, "when"},
		{"a date without a time", `{"when":"2025-04-01"}`, "when"},
		{"a number for a date", `{"when":1743440400}`, "when"},
		{"year 10000", `{"when":"10000-01-01T00:00:00Z"}`, "when"},
		{"a bad date after a good field", `{"name":"a","when":"tomorrow"}`, "when"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v decodeTarget
			err := decodeStrict([]byte(c.body), &v)
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Malformed {
				t.Fatalf("err = %v, want malformed", err)
			}
			if c.field == "" {
				return
			}
			if len(e.Fields) == 0 || e.Fields[0].Field != c.field {
				t.Fatalf("fields = %+v, want %q named", e.Fields, c.field)
			}
			if !strings.Contains(e.Message, c.field) {
				t.Errorf("message %q does not name %s", e.Message, c.field)
			}
		})
	}
}

func TestDecodeJSONMediaTypeAndSize(t *testing.T) {
	e := echo.New()
	decode := func(ct string, body string) error {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		if ct != "" {
			req.Header.Set(echo.HeaderContentType, ct)
		}
		rec := httptest.NewRecorder()
		req.Body = http.MaxBytesReader(rec, req.Body, MaxBodyBytes)
		var v decodeTarget
		return decodeJSON(e.NewContext(req, rec), &v)
	}
	for ct, want := range map[string]errs.Code{
		"":                                errs.UnsupportedMediaType,
		"text/plain":                      errs.UnsupportedMediaType,
		"application/json-patch+json":     errs.UnsupportedMediaType,
		"application/jsonx":               errs.UnsupportedMediaType,
		"application/json; charset=utf-8": "",
		"APPLICATION/JSON":                "",
		"application/json;;;":             errs.UnsupportedMediaType,
	} {
		if got := errs.CodeOf(decode(ct, `{"name":"a"}`)); got != want {
			t.Errorf("Content-Type %q: %q, want %q", ct, got, want)
		}
	}
	big := `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	if got := errs.CodeOf(decode("application/json", big)); got != errs.TooLarge {
		t.Errorf("1 MiB body: %q, want too_large", got)
	}
}
