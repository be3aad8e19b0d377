package api_test

import (
	"context"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"constellate/api/apitest"
)

// mustCreateOrg creates an organisation as owner and returns its JSON.
func mustCreateOrg(t *testing.T, env *apitest.Env, owner apitest.User, body map[string]any) map[string]any {
	t.Helper()
	r := env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations", Token: owner.Token, Body: body})
	return r.Map(t)
}

// mustAddMember makes u a member of org as role the way people join: owner invites u's
// email, and u accepts the invitation they find at GET /v1/me/invitations.
func mustAddMember(t *testing.T, env *apitest.Env, owner apitest.User, org string, u apitest.User, role string) {
	t.Helper()
	inv := env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations/" + org + "/invitations", Token: owner.Token,
		Body: map[string]any{"email": u.Email, "role": role}}).Map(t)
	env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPost, Path: "/v1/me/invitations/" + inv["id"].(string) + "/accept", Token: u.Token})
}

// auditActions lists the actions of the audit events about entityID, oldest first.
func auditActions(t *testing.T, env *apitest.Env, entityID string) []string {
	t.Helper()
	var out struct {
		Data []struct {
			Action string `json:"action"`
		} `json:"data"`
	}
	env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/audit-events?limit=200&entity_id=" + entityID, Token: env.Manager().Token}).Decode(t, &out)
	var actions []string
	for i := len(out.Data) - 1; i >= 0; i-- {
		actions = append(actions, out.Data[i].Action)
	}
	return actions
}

func fieldNames(t *testing.T, r *apitest.Response) []string {
	t.Helper()
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	r.Decode(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	sort.Strings(out)
	return out
}

func TestOrganisationLifecycle(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner := env.Applicant()
		r := env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations", Token: owner.Token, Body: map[string]any{
			"name": "Hillside Peer Support", "legal_form": "unincorporated_association", "user_led": true,
			"user_led_description": "Run by people with lived experience", "led_by": []string{"disabled_people", "people_with_lived_experience_of_mental_ill_health"},
			"postcode": "ls6 1aa", "region": "yorkshire_and_the_humber", "annual_income": 1250000, "website": "https://hillside.example.org",
			"contact_email": "hello@hillside.example.org"}})
		org := r.Map(t)
		id := org["id"].(string)
		if r.Header.Get("Location") != "/v1/organisations/"+id || r.Header.Get("ETag") != `"1"` {
			t.Fatalf("Location %q ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		if org["postcode"] != "LS6 1AA" || org["charity_number"] != "" || org["publish_led_by"] != false || org["annual_income"] != float64(1250000) {
			t.Fatalf("created: %v", org)
		}

		// An unregistered group with only a name.
		bare := mustCreateOrg(t, env, owner, map[string]any{"name": "Tuesday Walkers"})
		if bare["annual_income"] != nil || len(bare["led_by"].([]any)) != 0 {
			t.Fatalf("bare organisation: %v", bare)
		}

		got := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations/" + id, Token: owner.Token})
		if !reflect.DeepEqual(got.Map(t), org) || got.Header.Get("ETag") != `"1"` {
			t.Fatalf("get: %s", got.Body)
		}

		// PATCH changes only what it names; the ETag moves; a stale If-Match is 412 and changes nothing.
		p := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + id, Token: owner.Token,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "Hillside Peers", "charity_number": "sc012345", "publish_led_by": true}})
		patched := p.Map(t)
		if p.Header.Get("ETag") != `"2"` || patched["name"] != "Hillside Peers" || patched["charity_number"] != "SC012345" ||
			patched["postcode"] != "LS6 1AA" || patched["publish_led_by"] != true {
			t.Fatalf("patched (%s): %v", p.Header.Get("ETag"), patched)
		}
		env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + id, Token: owner.Token,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "Lost update"}})
		after := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations/" + id, Token: owner.Token}).Map(t)
		if after["name"] != "Hillside Peers" {
			t.Fatalf("a stale PATCH changed the organisation: %v", after["name"])
		}
		if got := auditActions(t, env, id); !reflect.DeepEqual(got, []string{"organisation.created", "organisation.updated"}) {
			t.Fatalf("audit: %v", got)
		}
	})
}

func TestOrganisationList(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		alice, bob := env.Applicant(), env.Applicant()
		a1 := mustCreateOrg(t, env, alice, map[string]any{"name": "A1"})["id"].(string)
		a2 := mustCreateOrg(t, env, alice, map[string]any{"name": "A2"})["id"].(string)
		b1 := mustCreateOrg(t, env, bob, map[string]any{"name": "CANARY-bob"})["id"].(string)

		ids := func(u apitest.User, query string) ([]string, *string) {
			var l struct {
				Data []struct {
					ID string `json:"id"`
				} `json:"data"`
				NextCursor *string `json:"next_cursor"`
			}
			r := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations" + query, Token: u.Token})
			r.Decode(t, &l)
			var out []string
			for _, d := range l.Data {
				out = append(out, d.ID)
			}
			return out, l.NextCursor
		}
		if got, _ := ids(alice, ""); !reflect.DeepEqual(got, []string{a1, a2}) {
			t.Fatalf("alice sees %v", got)
		}
		if got, _ := ids(bob, ""); !reflect.DeepEqual(got, []string{b1}) {
			t.Fatalf("bob sees %v", got)
		}
		for _, staff := range []apitest.User{env.Manager(), env.Finance()} {
			if got, _ := ids(staff, ""); !reflect.DeepEqual(got, []string{a1, a2, b1}) {
				t.Fatalf("%s sees %v", staff.Role, got)
			}
		}
		// Keyset pagination, stable under inserts.
		m := env.Manager()
		first, next := ids(m, "?limit=2")
		if !reflect.DeepEqual(first, []string{a1, a2}) || next == nil {
			t.Fatalf("page 1: %v next %v", first, next)
		}
		c1 := mustCreateOrg(t, env, bob, map[string]any{"name": "late"})["id"].(string)
		second, next2 := ids(m, "?limit=2&cursor="+*next)
		if !reflect.DeepEqual(second, []string{b1, c1}) || next2 != nil {
			t.Fatalf("page 2: %v next %v", second, next2)
		}
		body := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations", Token: alice.Token}).Body
		if strings.Contains(string(body), "CANARY") {
			t.Fatal("another organisation's name leaked into alice's list")
		}
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations", Token: env.Panel().Token})
		env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations"})
	})
}

func TestOrganisationValidation(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner := env.Applicant()
		bad := map[string]any{"name": "", "legal_form": "trust", "charity_number": "12", "company_number": "ABC",
			"led_by": []string{"disabled_people", "martians"}, "annual_income": -1, "postcode": "NOPE", "region": "mars",
			"website": "javascript:alert(1)", "contact_email": "not-an-email"}
		r := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations", Token: owner.Token, Body: bad})
		want := []string{"annual_income", "charity_number", "company_number", "contact_email", "led_by[1]", "legal_form", "name", "postcode", "region", "website"}
		if got := fieldNames(t, r); !reflect.DeepEqual(got, want) {
			t.Fatalf("fields %v, want %v", got, want)
		}
		// Read-only and unknown fields, in any casing, are refused with 400 naming them.
		for _, body := range []string{`{"name":"x","id":"0190b0b0-0000-7000-8000-000000000000"}`, `{"name":"x","status":"active"}`,
			`{"name":"x","created_at":"2025-01-01T00:00:00Z"}`, `{"Name":"x"}`, `{"name":"x","name":"y"}`, `{"name":"x","version":3}`} {
			env.Expect(t, http.StatusBadRequest, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations", Token: owner.Token, Body: body})
		}
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations", Token: owner.Token, Body: `{"name":"x","annual_income":"lots"}`})
		var list struct {
			Data []any `json:"data"`
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations", Token: owner.Token}).Decode(t, &list)
		if len(list.Data) != 0 {
			t.Fatalf("refused creates made %d organisations", len(list.Data))
		}
		// PATCH validates the result the same way.
		id := mustCreateOrg(t, env, owner, map[string]any{"name": "ok"})["id"].(string)
		r = env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + id, Token: owner.Token,
			Body: map[string]any{"name": " ", "postcode": "12345"}})
		if got := fieldNames(t, r); !reflect.DeepEqual(got, []string{"name", "postcode"}) {
			t.Fatalf("patch fields %v", got)
		}
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + id, Token: owner.Token, Body: `{"id":"x"}`})
	})
}

// TestPaymentsBlockedUntilIsCallable checks the seam the payments capability uses.
func TestPaymentsBlockedUntilUnknownOrganisation(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		if _, blocked := env.Server.Organisations.PaymentsBlockedUntil(context.Background(), "0190b0b0-0000-7000-8000-000000000000"); blocked {
			t.Fatal("an organisation without a bank account is reported blocked")
		}
	})
}

// organisationMatrix drives every organisation route (groups, members, bank accounts) as
// every actor against w.orgID, which has a third member to remove and a bank account; the
// other organisation has one too. Its names and account numbers are the canaries.
func organisationMatrix(t *testing.T, env *apitest.Env) apitest.Matrix {
	w := newAppWorld(t, env)
	third, newcomer := env.Applicant(), env.Applicant()
	mustAddMember(t, env, w.owner, w.orgID, third, "member")
	base := "/v1/organisations/" + w.orgID
	env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPut, Path: base + "/bank-account", Token: w.owner.Token, Body: bankBody("12121212")})
	env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPut, Path: "/v1/organisations/" + w.otherOrgID + "/bank-account", Token: w.stranger.Token, Body: bankBody("55556666")})
	staff := []apitest.Actor{apitest.GrantsManager, apitest.FinanceUser, apitest.FinanceClient}
	return apitest.Matrix{
		Cast: w.cast(t),
		// Columns: anonymous, owner, member, other_applicant, panel_on_round, panel_off_round, grants_manager, finance, finance_client.
		Rows: []apitest.Row{
			{Route: "GET /v1/organisations/:id", Path: base, Want: []int{401, 200, 200, 404, 403, 403, 200, 200, 200}},
			{Route: "GET /v1/organisations", Path: "/v1/organisations", Want: []int{401, 200, 200, 200, 403, 403, 200, 200, 200}},
			{Route: "POST /v1/organisations", Path: "/v1/organisations", Body: map[string]any{"name": "New group"},
				Want: []int{401, 201, 201, 201, 403, 403, 403, 403, 403}},
			{Route: "PATCH /v1/organisations/:id", Path: base, Body: map[string]any{"name": "Changed"},
				Want: []int{401, 200, 403, 404, 403, 403, 403, 403, 403}},
			{Route: "GET /v1/organisations/:id/members", Path: base + "/members", Want: []int{401, 200, 200, 404, 403, 403, 200, 403, 403}},
			// The direct add: grants managers only, by user id or email; everyone else is refused
			// by the route before any lookup, so no answer differs by whether an account exists.
			{Route: "POST /v1/organisations/:id/members", Name: "by user id", Path: base + "/members",
				Vary: func(r *apitest.Req) { r.Body = map[string]any{"user_id": env.Applicant().ID} },
				Want: []int{401, 403, 403, 403, 403, 403, 201, 403, 403}},
			{Route: "POST /v1/organisations/:id/members", Name: "by email", Path: base + "/members",
				Vary: func(r *apitest.Req) { r.Body = map[string]any{"email": env.Applicant().Email} },
				Want: []int{401, 403, 403, 403, 403, 403, 201, 403, 403}},
			{Route: "POST /v1/organisations/:id/members", Name: "by an email without an account", Path: base + "/members",
				Body: map[string]any{"email": newcomer.Email + ".nobody"}, Want: []int{401, 403, 403, 403, 403, 403, 422, 403, 403}},
			{Route: "DELETE /v1/organisations/:id/members/:user_id", Path: base + "/members/" + third.ID,
				Want: []int{401, 204, 403, 404, 403, 403, 403, 403, 403}},
			{Route: "PUT /v1/organisations/:id/bank-account", Path: base + "/bank-account", Body: bankBody("34343434"),
				Want: []int{401, 200, 403, 404, 403, 403, 403, 403, 403}},
			// Full details to finance, masked to members, invisible to everyone else.
			{Route: "GET /v1/organisations/:id/bank-account", Path: base + "/bank-account", Want: []int{401, 200, 200, 404, 404, 404, 404, 200, 200}},
		},
		Canaries: []apitest.Canary{
			{Text: "Hillside", SeenBy: append([]apitest.Actor{apitest.Owner, apitest.Member}, staff...)},
			{Text: "CANARY-7731", SeenBy: append([]apitest.Actor{apitest.OtherApplicant}, staff...)},
			{Text: "12121212", SeenBy: []apitest.Actor{apitest.FinanceUser, apitest.FinanceClient}},
			{Text: "55556666"}, // no row reads the other organisation's account
		},
		Snapshot: func(t testing.TB) string {
			var b strings.Builder
			for _, p := range []string{base, base + "/members", base + "/bank-account"} {
				r := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: p, Token: w.owner.Token})
				b.WriteString(r.Header.Get("ETag") + string(r.Body))
			}
			return b.String()
		},
	}
}

// TestOrganisationAccessMatrix runs the organisation matrix: exact statuses, refused writes
// change nothing, canaries stay with those who may see them; the owner's writes do change
// the organisation.
func TestOrganisationAccessMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := organisationMatrix(t, env)
		before := m.Snapshot(t)
		m.Run(t, env)
		if m.Snapshot(t) == before {
			t.Fatal("the owner's writes changed nothing")
		}
	})
}

// TestOrganisationNoLostUpdates: concurrent PATCHes of different fields without If-Match
// both land; a retried create with the same Idempotency-Key makes one organisation.
func TestOrganisationNoLostUpdates(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner := env.Applicant()
		req := apitest.Req{Method: http.MethodPost, Path: "/v1/organisations", Token: owner.Token, Body: map[string]any{"name": "Once"},
			Header: map[string]string{"Idempotency-Key": "create-once"}}
		first := env.Expect(t, http.StatusCreated, req).Map(t)
		again := env.Expect(t, http.StatusCreated, req)
		if again.Map(t)["id"] != first["id"] || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the retried create was not replayed: %s", again.Body)
		}
		id := first["id"].(string)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, body := range []map[string]any{{"postcode": "LS6 1AA"}, {"website": "https://once.example.org"}} {
			wg.Add(1)
			go func(body map[string]any) {
				defer wg.Done()
				<-start
				env.Do(apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + id, Token: owner.Token, Body: body})
			}(body)
		}
		close(start)
		wg.Wait()
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations/" + id, Token: owner.Token})
		got := r.Map(t)
		if got["postcode"] != "LS6 1AA" || got["website"] != "https://once.example.org" || r.Header.Get("ETag") != `"3"` {
			t.Fatalf("a concurrent update was lost: %v (ETag %s)", got, r.Header.Get("ETag"))
		}
	})
}

// TestOrganisationDuplicateNameWarning: a name another group already has (compared without
// case, spacing or punctuation) is accepted with a warning on the create or change that
// gave it — never naming or pointing at the other group — and not otherwise.
func TestOrganisationDuplicateNameWarning(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		alice, bob := env.Applicant(), env.Applicant()
		warnings := func(r *apitest.Response) []map[string]any {
			t.Helper()
			var b struct {
				Warnings []map[string]any `json:"warnings"`
			}
			r.Decode(t, &b)
			return b.Warnings
		}
		first := env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations", Token: alice.Token,
			Body: map[string]any{"name": "Hillside Peer Support", "postcode": "LS6 1AA"}})
		if w := warnings(first); w != nil || strings.Contains(string(first.Body), "warnings") {
			t.Fatalf("the first of its name warned: %s", first.Body)
		}
		aliceOrg := first.Map(t)["id"].(string)

		second := env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations", Token: bob.Token,
			Body: map[string]any{"name": "  hillside peer-support. "}})
		w := warnings(second)
		if len(w) != 1 || w[0]["field"] != "name" || !strings.Contains(w[0]["message"].(string), "already called") {
			t.Fatalf("the second of its name: %s", second.Body)
		}
		for _, leak := range []string{aliceOrg, "LS6", alice.Email, alice.Name} {
			if strings.Contains(string(second.Body), leak) {
				t.Fatalf("the warning leaks %q about the other group: %s", leak, second.Body)
			}
		}
		bobOrg := second.Map(t)["id"].(string)
		// The warning is about the change that gave the name: a GET and a change of other fields carry none.
		got := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations/" + bobOrg, Token: bob.Token})
		if strings.Contains(string(got.Body), "warnings") {
			t.Fatalf("GET carries warnings: %s", got.Body)
		}
		p := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + bobOrg, Token: bob.Token,
			Body: map[string]any{"postcode": "LS7 2BB"}})
		if warnings(p) != nil {
			t.Fatalf("a change of postcode warned: %s", p.Body)
		}
		// Renamed apart: no warning; renamed back: the warning again.
		p = env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + bobOrg, Token: bob.Token,
			Body: map[string]any{"name": "Hillside Peer Support (Chapeltown)"}})
		if warnings(p) != nil {
			t.Fatalf("a distinct name warned: %s", p.Body)
		}
		p = env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + bobOrg, Token: bob.Token,
			Body: map[string]any{"name": "HILLSIDE PEER SUPPORT"}})
		if len(warnings(p)) != 1 {
			t.Fatalf("renamed to a taken name: %s", p.Body)
		}
		// A group's own name is never a duplicate of itself.
		p = env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + aliceOrg, Token: alice.Token,
			Body: map[string]any{"name": "Hillside Peer Support", "website": "https://hillside.example.org"}})
		if len(warnings(p)) != 1 { // bob's group now has the name too
			t.Fatalf("alice renaming to her own name with bob's group alike: %s", p.Body)
		}
		solo := mustCreateOrg(t, env, alice, map[string]any{"name": "Tuesday Walkers"})["id"].(string)
		p = env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPatch, Path: "/v1/organisations/" + solo, Token: alice.Token,
			Body: map[string]any{"name": "Tuesday Walkers"}})
		if warnings(p) != nil {
			t.Fatalf("a group's own name warned: %s", p.Body)
		}
	})
}
