package organisation_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/organisation"
)

var (
	// ownAccount is the group's own account, as an owner types it.
	ownAccount = organisation.BankDetails{AccountName: "Riverside Peer Support Circle", SortCode: "12-34-56",
		AccountNumber: "1234 5678", HeldBy: organisation.HeldByOrganisation}
	// hostAccount replaces it: a host organisation receives the money for the group.
	hostAccount = organisation.BankDetails{AccountName: "Cardiff Community Hub re Riverside", SortCode: "65-43-21",
		AccountNumber: "87654321", HeldBy: organisation.HeldByHostOrganisation, HostName: "Cardiff Community Hub",
		HostCharityNumber: "1100001"}
	// hostAgain is hostAccount typed differently: the same details.
	hostAgain = organisation.BankDetails{AccountName: " Cardiff Community Hub re Riverside", SortCode: "65 43 21",
		AccountNumber: "8765-4321", HeldBy: organisation.HeldByHostOrganisation, HostName: "Cardiff Community Hub ",
		HostCharityNumber: "110 0001"}
	// secrets are what must never reach an event: full numbers and sort codes.
	secrets = []string{"12345678", "87654321", "123456", "654321", "12-34-56", "65-43-21"}
)

// masked is details as the group's members see them.
func masked(t *testing.T, d organisation.BankDetails) organisation.BankDetails {
	t.Helper()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	return d.Masked()
}

// A bank account's life: given, replaced (cooling-off starts, owners are named to notify),
// given again unchanged (nothing happens), cooled off; and who sees what of it. The steps
// run in order on one group.
func TestBankAccount(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		g := f.group(t)
		var first, replaced time.Time
		var want organisation.BankAccount
		events := []record{}
		check := func(t *testing.T, got organisation.BankAccount, blockedUntil time.Time) {
			t.Helper()
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("returned account (-want +got):\n%s", d)
			}
			if read, err := f.orgs.BankAccount(f.ctx, g.member, g.ID); err != nil {
				t.Fatal(err)
			} else if d := cmp.Diff(want, read); d != "" {
				t.Errorf("account as a member reads it (-want +got):\n%s", d)
			}
			if d := cmp.Diff(events, f.records(t, "bank_account", g.ID)); d != "" {
				t.Errorf("audit (-want +got):\n%s", d)
			}
			until, blocked := f.orgs.PaymentsBlockedUntil(f.ctx, g.ID)
			if !until.Equal(blockedUntil) || blocked != !blockedUntil.IsZero() {
				t.Errorf("PaymentsBlockedUntil = %v, %v; want %v, %v", until, blocked, blockedUntil, !blockedUntil.IsZero())
			}
		}

		t.Run("the first account starts no cooling-off", func(t *testing.T) {
			f.clock.Advance(time.Minute)
			first = f.clock.Now()
			got, err := f.orgs.SetBankAccount(f.ctx, g.owner, g.ID, nil, ownAccount)
			if err != nil {
				t.Fatal(err)
			}
			want = organisation.BankAccount{ID: got.ID, OrganisationID: g.ID, BankDetails: masked(t, ownAccount), Masked: true,
				ChangedAt: first, Version: 1, CreatedAt: first, UpdatedAt: first}
			events = append(events, record{Action: "bank_account.created", ActorID: g.owner.UserID,
				Changes: map[string]any{"account_number": "****5678", "held_by": "organisation"}})
			check(t, got, time.Time{})
		})

		t.Run("replacing it blocks payments and names the owners to notify", func(t *testing.T) {
			f.clock.Advance(time.Hour)
			replaced = f.clock.Now()
			got, err := f.orgs.SetBankAccount(f.ctx, g.owner2, g.ID, ptr(int64(1)), hostAccount)
			if err != nil {
				t.Fatal(err)
			}
			until := replaced.Add(coolingOff)
			want.BankDetails, want.ChangedAt, want.CoolingOffUntil = masked(t, hostAccount), replaced, &until
			want.Version, want.UpdatedAt = 2, replaced
			events = append(events, record{Action: "bank_account.replaced", ActorID: g.owner2.UserID, Changes: map[string]any{
				"account_number": "****4321", "previous_account_number": "****5678", "held_by": "host_organisation",
				"cooling_off_until": until.Format(time.RFC3339), "notify_owner_ids": anys(g.owner.UserID, g.owner2.UserID)}})
			check(t, got, until)
		})

		t.Run("the same details again change nothing", func(t *testing.T) {
			f.clock.Advance(time.Hour)
			got, err := f.orgs.SetBankAccount(f.ctx, g.owner, g.ID, ptr(int64(2)), hostAgain)
			if err != nil {
				t.Fatal(err)
			}
			check(t, got, replaced.Add(coolingOff))
		})

		t.Run("payments are blocked until the cooling-off ends", func(t *testing.T) {
			f.clock.Advance(replaced.Add(coolingOff).Sub(f.clock.Now()) - time.Second)
			check(t, want, replaced.Add(coolingOff))
			f.clock.Advance(time.Second)
			check(t, want, time.Time{})
		})

		t.Run("events and storage hold no full number", func(t *testing.T) {
			raw, err := json.Marshal(f.records(t, "", ""))
			if err != nil {
				t.Fatal(err)
			}
			var sealed [][]byte
			if err := f.db.Conn(f.ctx).Raw("SELECT sealed FROM bank_accounts").Scan(&sealed).Error; err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(raw, []byte(s)) {
					t.Errorf("an audit event holds %q", s)
				}
				for _, b := range sealed {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("a stored account holds %q in plain text", s)
					}
				}
			}
		})

		t.Run("finance reads it in full, and the read is audited", func(t *testing.T) {
			finance := f.user(t, auth.RoleFinance)
			got, err := f.orgs.BankAccount(f.ctx, finance, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			full := want
			full.BankDetails, full.Masked = hostAccount, false
			if err := full.BankDetails.Validate(); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(full, got); d != "" {
				t.Errorf("finance's read (-want +got):\n%s", d)
			}
			events = append(events, record{Action: "bank_account.read", ActorID: finance.UserID,
				Changes: map[string]any{"account_number": "****4321"}})
			if d := cmp.Diff(events, f.records(t, "bank_account", g.ID)); d != "" {
				t.Errorf("audit (-want +got):\n%s", d)
			}
		})

		for _, kind := range []string{"manager", "panel", "stranger", "machine"} {
			t.Run("hidden from "+kind, func(t *testing.T) {
				_, err := f.orgs.BankAccount(f.ctx, f.caller(t, kind, g), g.ID)
				if d := cmp.Diff(problem{Code: errs.NotFound}, problemOf(err), equateEmpty); d != "" || !errors.Is(err, organisation.ErrBankNotFound) {
					t.Errorf("error %v (-want +got):\n%s", err, d)
				}
			})
		}
	})
}

func TestSetBankAccountRefused(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		given := func(t *testing.T, f *fixture, g group) *int64 {
			a, err := f.orgs.SetBankAccount(f.ctx, g.owner, g.ID, nil, ownAccount)
			if err != nil {
				t.Fatal(err)
			}
			return &a.Version
		}
		bad := organisation.BankDetails{AccountName: " ", SortCode: "12-34", AccountNumber: "1234567a", HeldBy: "treasurer"}
		refused := []struct {
			group string
			cases []refusal
		}{
			{"bank403and404", []refusal{
				{name: "403 a plain member", actor: "member", bank: hostAccount, is: organisation.ErrOwnersOnly, want: problem{Code: errs.Forbidden}},
				{name: "403 finance", actor: "finance", bank: hostAccount, setup: given, is: organisation.ErrOwnersOnly,
					want: problem{Code: errs.Forbidden}},
				{name: "404 an applicant of another group", actor: "stranger", bank: hostAccount, is: organisation.ErrNotFound,
					want: problem{Code: errs.NotFound}},
				{name: "404 no such organisation", unknown: true, bank: hostAccount, is: organisation.ErrNotFound, want: problem{Code: errs.NotFound}},
			}},
			{"bank422", []refusal{
				{name: "every problem at once", bank: bad,
					want: problem{Code: errs.Invalid, Fields: []string{"account_name", "sort_code", "account_number", "held_by"}}},
				{name: "a host with no name or charity number", setup: given,
					bank: organisation.BankDetails{AccountName: "Hub", SortCode: "654321", AccountNumber: "87654321", HeldBy: organisation.HeldByHostOrganisation},
					want: problem{Code: errs.Invalid, Fields: []string{"host_name", "host_charity_number"}}},
			}},
			{"bank412", []refusal{
				{name: "If-Match on the first account", stale: true, bank: ownAccount, is: organisation.ErrStale,
					want: problem{Code: errs.PreconditionFailed}},
				{name: "stale If-Match on a replacement", stale: true, setup: given, bank: hostAccount, is: organisation.ErrStale,
					want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before unchanged", stale: true, setup: given, bank: ownAccount, is: organisation.ErrStale,
					want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before invalid", stale: true, setup: given, bank: bad, is: organisation.ErrStale,
					want: problem{Code: errs.PreconditionFailed}},
				{name: "not found before stale", actor: "stranger", stale: true, setup: given, bank: bad, is: organisation.ErrNotFound,
					want: problem{Code: errs.NotFound}},
				{name: "forbidden before stale", actor: "member", stale: true, setup: given, bank: bad, is: organisation.ErrOwnersOnly,
					want: problem{Code: errs.Forbidden}},
			}},
		}
		for _, g := range refused {
			for _, tc := range g.cases {
				t.Run(g.group+"/"+tc.name, func(t *testing.T) {
					tc.run(t, f, func(actor auth.Actor, _ group, id string, ifMatch *int64) error {
						_, err := f.orgs.SetBankAccount(f.ctx, actor, id, ifMatch, tc.bank)
						return err
					})
				})
			}
		}
	})
}
