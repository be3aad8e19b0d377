package organisation

import (
	"strings"
	"testing"

	"constellate/internal/auth"
	"constellate/internal/errs"
)

// TestPolicyMatrix walks every caller × relation through every policy function.
func TestPolicyMatrix(t *testing.T) {
	applicant := auth.Actor{UserID: "u1", Role: auth.RoleApplicant}
	callers := map[string]auth.Actor{
		"applicant":   applicant,
		"panel":       {UserID: "p", Role: auth.RolePanelMember},
		"manager":     {UserID: "m", Role: auth.RoleGrantsManager},
		"finance":     {UserID: "f", Role: auth.RoleFinance},
		"finance-m2m": {UserID: "c", Role: auth.RoleFinance, Machine: true},
		"anonymous":   {},
	}
	// want[caller/relation] = codes for CanRead, CanEdit, CanListMembers, CanRemoveMember(self), CanRemoveMember(other), bank view
	type row struct{ read, edit, members, removeSelf, removeOther errs.Code }
	const ok, nf, fb = errs.Code(""), errs.NotFound, errs.Forbidden
	want := map[string]row{
		"applicant/owner":    {ok, ok, ok, ok, ok},
		"applicant/member":   {ok, fb, ok, ok, fb},
		"applicant/":         {nf, nf, nf, nf, nf},
		"panel/":             {nf, nf, nf, nf, nf},
		"manager/":           {ok, fb, ok, fb, fb},
		"finance/":           {ok, fb, fb, fb, fb},
		"finance-m2m/":       {ok, fb, fb, fb, fb},
		"anonymous/":         {nf, nf, nf, nf, nf},
		"panel/member":       {nf, nf, nf, nf, nf}, // a relation never lends another role powers
		"manager/owner":      {ok, fb, ok, fb, fb},
		"anonymous/owner":    {nf, nf, nf, nf, nf},
		"finance-m2m/member": {ok, fb, fb, fb, fb},
	}
	bank := map[string]BankView{"applicant/owner": BankMasked, "applicant/member": BankMasked, "finance/": BankFull, "finance-m2m/": BankFull, "finance-m2m/member": BankFull}
	for key, w := range want {
		name, r, _ := strings.Cut(key, "/")
		rel := Relation(r)
		a := callers[name]
		got := row{errs.CodeOf(CanRead(a, rel)), errs.CodeOf(CanEdit(a, rel)), errs.CodeOf(CanListMembers(a, rel)),
			errs.CodeOf(CanRemoveMember(a, rel, a.UserID)), errs.CodeOf(CanRemoveMember(a, rel, "someone-else"))}
		if got != w {
			t.Errorf("%s: got %+v, want %+v", key, got, w)
		}
		v, err := CanSeeBankAccount(a, rel)
		if v != bank[key] || (v == BankHidden) != (err != nil) {
			t.Errorf("%s: bank view %v (%v), want %v", key, v, err, bank[key])
		}
	}
	// The direct add: grants managers (people) only; an owner is pointed at invitations.
	direct := map[string]errs.Code{"manager/": ok, "manager/owner": ok, "applicant/owner": fb, "applicant/member": fb,
		"finance/": fb, "finance-m2m/": fb, "finance-m2m/member": fb}
	for key := range want {
		name, r, _ := strings.Cut(key, "/")
		w, allowed := direct[key]
		if !allowed {
			w = nf
		}
		err := CanAddDirectly(callers[name], Relation(r))
		if errs.CodeOf(err) != w {
			t.Errorf("%s: CanAddDirectly %v, want %q", key, err, w)
		}
		if key == "applicant/owner" && err != ErrInviteInstead {
			t.Errorf("an owner's direct add is not pointed at invitations: %v", err)
		}
	}
	if err := CanAddDirectly(auth.Actor{UserID: "c", Role: auth.RoleGrantsManager, Machine: true}, ""); errs.CodeOf(err) != fb {
		t.Errorf("a machine client with the manager role may add members directly: %v", err)
	}
	if CanCreate(applicant) != nil || CanCreate(callers["manager"]) == nil || CanCreate(callers["anonymous"]) == nil {
		t.Error("only applicants create organisations")
	}
	if s := ScopeFor(applicant); s.All || s.MemberID != "u1" {
		t.Errorf("applicant scope %+v", s)
	}
	if !ScopeFor(callers["manager"]).All || !ScopeFor(callers["finance"]).All || ScopeFor(callers["panel"]).All {
		t.Error("staff scopes")
	}
}
