package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"constellate/api/apitest"
)

func memberIDs(t *testing.T, env *apitest.Env, org string, as apitest.User) map[string]string {
	t.Helper()
	var l struct {
		Data []struct {
			UserID string `json:"user_id"`
			Role   string `json:"membership_role"`
		} `json:"data"`
	}
	env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations/" + org + "/members", Token: as.Token}).Decode(t, &l)
	out := map[string]string{}
	for _, m := range l.Data {
		out[m.UserID] = m.Role
	}
	return out
}

func TestMembers(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner, alex, sam, mgr := env.Applicant(), env.Applicant(), env.Applicant(), env.Manager()
		org := mustCreateOrg(t, env, owner, map[string]any{"name": "Hillside"})["id"].(string)
		path := "/v1/organisations/" + org + "/members"

		// Groups grow by invitation: an owner's direct add is refused alike whoever it names
		// (an account by id, an email with an account, one without), before any lookup.
		var refusals []string
		for _, body := range []map[string]any{{"user_id": sam.ID}, {"email": alex.Email}, {"email": "nobody-at-all@example.org"}} {
			r := env.Expect(t, http.StatusForbidden, apitest.Req{Method: http.MethodPost, Path: path, Token: owner.Token, Body: body})
			refusals = append(refusals, problemWithoutInstance(t, r))
		}
		if refusals[0] != refusals[1] || refusals[1] != refusals[2] {
			t.Fatalf("an owner's direct add answers differ by whom it names:\n%s", strings.Join(refusals, "\n"))
		}
		if got := memberIDs(t, env, org, owner); !reflect.DeepEqual(got, map[string]string{owner.ID: "owner"}) {
			t.Fatalf("refused adds changed the members: %v", got)
		}
		env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: path, Token: mgr.Token, Body: map[string]any{"user_id": sam.ID, "membership_role": "owner"}})
		// A grants manager adds by email (default role member).
		r := env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: path, Token: mgr.Token, Body: map[string]any{"email": strings.ToUpper(alex.Email)}})
		m := r.Map(t)
		if m["user_id"] != alex.ID || m["membership_role"] != "member" || m["email"] != alex.Email || m["name"] != alex.Name ||
			r.Header.Get("Location") != path+"/"+alex.ID {
			t.Fatalf("added: %v (Location %q)", m, r.Header.Get("Location"))
		}
		want := map[string]string{owner.ID: "owner", alex.ID: "member", sam.ID: "owner"}
		if got := memberIDs(t, env, org, alex); !reflect.DeepEqual(got, want) {
			t.Fatalf("members %v, want %v", got, want)
		}
		env.Expect(t, http.StatusConflict, apitest.Req{Method: http.MethodPost, Path: path, Token: mgr.Token, Body: map[string]any{"user_id": alex.ID}})
		env.Expect(t, http.StatusConflict, apitest.Req{Method: http.MethodPost, Path: path, Token: mgr.Token, Body: map[string]any{"email": alex.Email}})

		// Not found (or not an applicant account) → 422 naming the field used.
		for _, c := range []struct {
			as    apitest.User
			body  map[string]any
			field string
		}{
			{mgr, map[string]any{"email": "nobody@example.org"}, "email"},
			{mgr, map[string]any{"email": env.Manager().Email}, "email"},
			{mgr, map[string]any{"user_id": "0190b0b0-0000-7000-8000-000000000000"}, "user_id"},
			{mgr, map[string]any{"user_id": "0190b0b0-0000-7000-8000-000000000000"}, "user_id"},
			{mgr, map[string]any{"user_id": env.Panel().ID}, "user_id"},
			{mgr, map[string]any{"user_id": "not-a-uuid"}, "user_id"},
			{mgr, map[string]any{}, "email"},
		} {
			r := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: http.MethodPost, Path: path, Token: c.as.Token, Body: c.body})
			if got := fieldNames(t, r); !reflect.DeepEqual(got, []string{c.field}) {
				t.Fatalf("%v: fields %v, want [%s]", c.body, got, c.field)
			}
		}
		r = env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: http.MethodPost, Path: path, Token: mgr.Token,
			Body: map[string]any{"email": alex.Email, "user_id": alex.ID, "membership_role": "admin"}})
		if got := fieldNames(t, r); !reflect.DeepEqual(got, []string{"membership_role", "user_id"}) {
			t.Fatalf("fields %v", got)
		}

		// GET /v1/me lists memberships.
		var me struct {
			Organisations []map[string]any `json:"organisations"`
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/me", Token: alex.Token}).Decode(t, &me)
		if len(me.Organisations) != 1 || me.Organisations[0]["id"] != org || me.Organisations[0]["name"] != "Hillside" || me.Organisations[0]["membership_role"] != "member" {
			t.Fatalf("me: %v", me.Organisations)
		}

		// A member may not remove others, but may leave; owners remove anyone but the last owner.
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: http.MethodDelete, Path: path + "/" + owner.ID, Token: alex.Token})
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: http.MethodDelete, Path: path + "/" + alex.ID, Token: alex.Token})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations/" + org, Token: alex.Token})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: http.MethodDelete, Path: path + "/" + alex.ID, Token: owner.Token})
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: http.MethodDelete, Path: path + "/" + sam.ID, Token: owner.Token})
		r = env.Expect(t, http.StatusConflict, apitest.Req{Method: http.MethodDelete, Path: path + "/" + owner.ID, Token: owner.Token})
		if got := memberIDs(t, env, org, owner); !reflect.DeepEqual(got, map[string]string{owner.ID: "owner"}) {
			t.Fatalf("after the refused leave: %v", got)
		}
		// With a second owner, the first may leave.
		mustAddMember(t, env, owner, org, sam, "owner")
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: http.MethodDelete, Path: path + "/" + owner.ID, Token: owner.Token})
		env.Expect(t, http.StatusConflict, apitest.Req{Method: http.MethodDelete, Path: path + "/" + sam.ID, Token: sam.Token})

		want2 := []string{"organisation.created", "membership.added", "membership.added", "membership.removed", "membership.removed",
			"organisation_invitation.created", "organisation_invitation.accepted", "membership.added", "membership.removed"}
		if got := auditActions(t, env, org); !reflect.DeepEqual(got, want2) {
			t.Fatalf("audit %v", got)
		}
	})
}

// TestLastOwnerRace: two owners leaving at once can never leave the organisation ownerless.
func TestLastOwnerRace(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		a, b := env.Applicant(), env.Applicant()
		org := mustCreateOrg(t, env, a, map[string]any{"name": "Race"})["id"].(string)
		mustAddMember(t, env, a, org, b, "owner")
		statuses := make(chan int, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, u := range []apitest.User{a, b} {
			wg.Add(1)
			go func(u apitest.User) {
				defer wg.Done()
				<-start
				statuses <- env.Do(apitest.Req{Method: http.MethodDelete, Path: "/v1/organisations/" + org + "/members/" + u.ID, Token: u.Token}).Status
			}(u)
		}
		close(start)
		wg.Wait()
		close(statuses)
		got := map[int]int{}
		for s := range statuses {
			got[s]++
		}
		if got[http.StatusNoContent] != 1 || got[http.StatusConflict] != 1 {
			t.Fatalf("statuses %v, want one 204 and one 409", got)
		}
		var owners int
		if err := env.DB.SQL().QueryRow("SELECT count(*) FROM memberships WHERE organisation_id = $1 AND role = 'owner'", org).Scan(&owners); err != nil {
			t.Fatal(err)
		}
		if owners != 1 {
			t.Fatalf("%d owners left, want 1", owners)
		}
	})
}

// problemWithoutInstance is a problem document without the members that differ by request
// (request_id, instance), for comparing two answers.
func problemWithoutInstance(t *testing.T, r *apitest.Response) string {
	t.Helper()
	m := r.Map(t)
	delete(m, "request_id")
	delete(m, "instance")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
