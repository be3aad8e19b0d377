package api_test

import (
	"net/http"
	"testing"

	"constellate/api/apitest"
)

// A handler that decodes its body before respond runs must still fingerprint that body: the
// same Idempotency-Key with another body is refused, with the same body replayed.
func TestIdempotencyKeyFingerprintsTheBodyOnEveryCreate(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := env.Manager()
		key := map[string]string{"Idempotency-Key": "create-programme-1"}
		first := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token, Header: key,
			Body: map[string]any{"name": "Side by Side Fund"}}).Map(t)
		again := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token, Header: key,
			Body: map[string]any{"name": "Side by Side Fund"}})
		if again.Header.Get("Idempotent-Replayed") != "true" || again.Map(t)["id"] != first["id"] {
			t.Fatalf("replay: header %q, id %v, want the first response (%v)", again.Header.Get("Idempotent-Replayed"), again.Map(t)["id"], first["id"])
		}
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token, Header: key,
			Body: map[string]any{"name": "Another Fund"}})
		var list struct {
			Data []map[string]any `json:"data"`
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/programmes", Token: m.Token}).Decode(t, &list)
		if len(list.Data) != 1 {
			t.Fatalf("programmes = %d, want 1 (the retry and the refused reuse created nothing)", len(list.Data))
		}
		// Keys are scoped to the caller: another manager's same key is a fresh request.
		other := env.Manager()
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: other.Token, Header: key,
			Body: map[string]any{"name": "Another Fund"}})
	})
}
