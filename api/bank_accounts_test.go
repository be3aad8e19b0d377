package api_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"constellate/api/apitest"
)

// The account number the tests search for everywhere it must not be.
const secretAccount = "97315286"

func bankBody(number string) map[string]any {
	return map[string]any{"account_name": "Hillside Peer Support", "sort_code": "12-34-56", "account_number": number, "held_by": "organisation"}
}

func TestBankAccount(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner, member, fin, mgr := env.Applicant(), env.Applicant(), env.Finance(), env.Manager()
		org := mustCreateOrg(t, env, owner, map[string]any{"name": "Hillside"})["id"].(string)
		mustAddMember(t, env, owner, org, member, "member")
		path := "/v1/organisations/" + org + "/bank-account"
		var bodies []string // every response that must not hold the full number
		keep := func(r *apitest.Response) *apitest.Response { bodies = append(bodies, string(r.Body)); return r }

		keep(env.Expect(t, http.StatusNotFound, apitest.Req{Method: http.MethodGet, Path: path, Token: owner.Token}))
		// The first account: masked in the response, no cooling-off.
		r := keep(env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPut, Path: path, Token: owner.Token, Body: bankBody(secretAccount)}))
		a := r.Map(t)
		if a["account_number"] != "****5286" || a["sort_code"] != "**-**-56" || a["masked"] != true || a["cooling_off_until"] != nil || r.Header.Get("ETag") != `"1"` {
			t.Fatalf("first account: %v", a)
		}
		if _, blocked := env.Server.Organisations.PaymentsBlockedUntil(context.Background(), org); blocked {
			t.Fatal("the first account started a cooling-off period")
		}
		// Members see it masked; finance in full; everyone else: 404.
		for _, u := range []apitest.User{owner, member} {
			m := keep(env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: path, Token: u.Token})).Map(t)
			if m["account_number"] != "****5286" || m["masked"] != true || m["account_name"] != "Hillside Peer Support" {
				t.Fatalf("member view: %v", m)
			}
		}
		full := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: path, Token: fin.Token})
		f := full.Map(t)
		if f["account_number"] != secretAccount || f["sort_code"] != "123456" || f["masked"] != false || full.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("finance view: %v", f)
		}
		other := env.Applicant()
		mustCreateOrg(t, env, other, map[string]any{"name": "Other"})
		for _, u := range []apitest.User{mgr, env.Panel(), other, env.Applicant()} {
			keep(env.Expect(t, http.StatusNotFound, apitest.Req{Method: http.MethodGet, Path: path, Token: u.Token}))
		}
		keep(env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: http.MethodGet, Path: path}))
		keep(env.Expect(t, http.StatusNotFound, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations/0190b0b0-0000-7000-8000-000000000000/bank-account", Token: fin.Token}))

		// The same details again change nothing; a stale If-Match is 412.
		r = keep(env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPut, Path: path, Token: owner.Token, Body: bankBody("9731 5286")}))
		if r.Header.Get("ETag") != `"1"` || r.Map(t)["cooling_off_until"] != nil {
			t.Fatalf("same details changed the account: %s", r.Body)
		}
		keep(env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: http.MethodPut, Path: path, Token: owner.Token,
			Header: map[string]string{"If-Match": `"7"`}, Body: bankBody("11112222")}))

		// Replacing it starts the cooling-off period and names the owners to notify.
		before := env.Clock.Now()
		r = keep(env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPut, Path: path, Token: owner.Token,
			Header: map[string]string{"If-Match": `"1"`}, Body: bankBody("11112222")}))
		rep := r.Map(t)
		until, err := time.Parse(time.RFC3339Nano, rep["cooling_off_until"].(string))
		if err != nil || until.Sub(before) < 72*time.Hour || until.Sub(before) > 72*time.Hour+time.Minute || r.Header.Get("ETag") != `"2"` {
			t.Fatalf("replacement: %v (%v)", rep, err)
		}
		if got, blocked := env.Server.Organisations.PaymentsBlockedUntil(context.Background(), org); !blocked || !got.Equal(until) {
			t.Fatalf("PaymentsBlockedUntil = %v, %v; want %v, true", got, blocked, until)
		}
		env.Clock.Advance(73 * time.Hour)
		if _, blocked := env.Server.Organisations.PaymentsBlockedUntil(context.Background(), org); blocked {
			t.Fatal("payments still blocked after the cooling-off period")
		}
		env.Clock.Advance(-73 * time.Hour) // back, so the test's access tokens stay valid

		// Validation lists every problem, never repeating the values.
		v := keep(env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: http.MethodPut, Path: path, Token: owner.Token,
			Body: map[string]any{"account_name": "", "sort_code": "12-34", "account_number": "9731528", "held_by": "host_organisation"}}))
		if got := fieldNames(t, v); !reflect.DeepEqual(got, []string{"account_name", "account_number", "host_charity_number", "host_name", "sort_code"}) {
			t.Fatalf("fields %v", got)
		}
		keep(env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPut, Path: path, Token: owner.Token, Body: map[string]any{
			"account_name": "Leeds CF re Hillside", "sort_code": "654321", "account_number": "33334444", "held_by": "host_organisation",
			"host_name": "Leeds Community Foundation", "host_charity_number": "1096892"}}))

		// Audit: every change and every full read, with the owners named on replacement.
		var events struct {
			Data []struct {
				Action  string         `json:"action"`
				ActorID string         `json:"actor_id"`
				Changes map[string]any `json:"changes"`
			} `json:"data"`
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/audit-events?entity_type=bank_account&entity_id=" + org, Token: mgr.Token}).Decode(t, &events)
		var actions []string
		for i := len(events.Data) - 1; i >= 0; i-- {
			actions = append(actions, events.Data[i].Action)
		}
		if want := []string{"bank_account.created", "bank_account.read", "bank_account.replaced", "bank_account.replaced"}; !reflect.DeepEqual(actions, want) {
			t.Fatalf("audit %v, want %v", actions, want)
		}
		if events.Data[2].ActorID != fin.ID {
			t.Fatalf("the read was not attributed to finance: %+v", events.Data[2])
		}
		if ids, _ := events.Data[1].Changes["notify_owner_ids"].([]any); len(ids) != 1 || ids[0] != owner.ID {
			t.Fatalf("replacement does not name the owners to notify: %v", events.Data[1].Changes)
		}

		// The full number is in no response but finance's, no log line, no plaintext column.
		for _, b := range bodies {
			if strings.Contains(b, secretAccount) {
				t.Fatalf("a response leaked the account number: %s", b)
			}
		}
		if strings.Contains(env.Logs.String(), secretAccount) || strings.Contains(env.Logs.String(), "11112222") {
			t.Fatal("a log line holds the account number")
		}
		for _, table := range []string{"bank_accounts", "audit_events", "organisations", "idempotency_keys"} {
			rows, err := env.DB.SQL().QueryContext(context.Background(), "SELECT * FROM "+table)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for i, v := range vals {
					var s string
					switch x := v.(type) {
					case []byte:
						s = string(x)
					case string:
						s = x
					}
					for _, n := range []string{secretAccount, "11112222", "33334444"} {
						if strings.Contains(s, n) {
							t.Fatalf("%s.%s holds an account number in plaintext", table, cols[i])
						}
					}
				}
			}
			rows.Close()
		}
	})
}

// TestBankAccountHosts: an account held by a host organisation names the host and any one
// of a charity number, a company number or a description (CICs, churches and community
// associations host groups too); each given one is checked; an account held by the group
// itself takes no host fields. Finance reads the host back in full.
func TestBankAccountHosts(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner, fin := env.Applicant(), env.Finance()
		org := mustCreateOrg(t, env, owner, map[string]any{"name": "Tuesday Walkers"})["id"].(string)
		path := "/v1/organisations/" + org + "/bank-account"
		hosted := func(extra map[string]any) map[string]any {
			b := map[string]any{"account_name": "St Mark's re Tuesday Walkers", "sort_code": "65-43-21", "account_number": "33334444",
				"held_by": "host_organisation", "host_name": "St Mark's Church, Harehills"}
			for k, v := range extra {
				b[k] = v
			}
			return b
		}
		for _, c := range []struct {
			body   map[string]any
			fields []string
		}{
			{hosted(nil), []string{"host_charity_number"}},
			{hosted(map[string]any{"host_name": ""}), []string{"host_charity_number", "host_name"}},
			{hosted(map[string]any{"host_charity_number": "12"}), []string{"host_charity_number"}},
			{hosted(map[string]any{"host_company_number": "ABC"}), []string{"host_company_number"}},
			{hosted(map[string]any{"host_description": strings.Repeat("x", 2001)}), []string{"host_description"}},
			{map[string]any{"account_name": "Walkers", "sort_code": "654321", "account_number": "33334444", "held_by": "organisation",
				"host_company_number": "SC123456", "host_description": "a church"}, []string{"host_company_number", "host_description"}},
		} {
			r := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: http.MethodPut, Path: path, Token: owner.Token, Body: c.body})
			if got := fieldNames(t, r); !reflect.DeepEqual(got, c.fields) {
				t.Fatalf("%v: fields %v, want %v", c.body, got, c.fields)
			}
		}
		// A church with neither number, described.
		desc := "St Mark's Church, Harehills: the parish church that holds our money"
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPut, Path: path, Token: owner.Token,
			Body: hosted(map[string]any{"host_description": "  " + desc + " "})}).Map(t)
		if r["host_description"] != desc || r["host_company_number"] != "" || r["host_charity_number"] != "" || r["masked"] != true {
			t.Fatalf("described host: %v", r)
		}
		// A CIC, by its company number (normalised).
		r = env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodPut, Path: path, Token: owner.Token, Header: map[string]string{"If-Match": `"1"`},
			Body: hosted(map[string]any{"host_name": "Harehills Community CIC", "host_company_number": "sc 123456"})}).Map(t)
		if r["host_company_number"] != "SC123456" || r["host_description"] != "" {
			t.Fatalf("company host: %v", r)
		}
		full := env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: path, Token: fin.Token}).Map(t)
		if full["host_name"] != "Harehills Community CIC" || full["host_company_number"] != "SC123456" || full["account_number"] != "33334444" {
			t.Fatalf("finance's view: %v", full)
		}
	})
}
