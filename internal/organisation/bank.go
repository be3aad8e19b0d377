package organisation

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/event"
)

// HeldBy says whose account receives the grant.
type HeldBy string

// Who holds the account: the group itself, or a named host organisation that receives
// money for an unincorporated group without its own account.
const (
	HeldByOrganisation     HeldBy = "organisation"
	HeldByHostOrganisation HeldBy = "host_organisation"
)

// BankDetails are the account details an owner gives. They exist in plaintext only in
// memory: the store keeps them sealed.
type BankDetails struct {
	AccountName       string `json:"account_name"`
	SortCode          string `json:"sort_code"`      // 6 digits (full); "**-**-56" (masked)
	AccountNumber     string `json:"account_number"` // 8 digits (full); "****1234" (masked)
	HeldBy            HeldBy `json:"held_by"`
	HostName          string `json:"host_name"`
	HostCharityNumber string `json:"host_charity_number"`
	// A host needs only one of a charity number, a company number or a description:
	// CICs, churches and community associations host groups too.
	HostCompanyNumber string `json:"host_company_number,omitempty"`
	HostDescription   string `json:"host_description,omitempty"`
}

// Validate normalises the details (sort code and account number to bare digits) and lists
// every problem at once. Messages never repeat the values.
func (b *BankDetails) Validate() error {
	var f errs.Fields
	b.AccountName = strings.TrimSpace(b.AccountName)
	if b.AccountName == "" || utf8.RuneCountInString(b.AccountName) > maxName {
		f.Add("account_name", "is required (at most %d characters)", maxName)
	}
	b.SortCode = stripSeparators(b.SortCode)
	if len(b.SortCode) != 6 || !isDigits(b.SortCode) {
		f.Add("sort_code", "must be 6 digits, such as 12-34-56")
	}
	b.AccountNumber = stripSeparators(b.AccountNumber)
	if len(b.AccountNumber) != 8 || !isDigits(b.AccountNumber) {
		f.Add("account_number", "must be 8 digits")
	}
	b.HostName = strings.TrimSpace(b.HostName)
	b.HostCharityNumber = NormaliseCharityNumber(b.HostCharityNumber)
	b.HostCompanyNumber = NormaliseCompanyNumber(b.HostCompanyNumber)
	b.HostDescription = strings.TrimSpace(b.HostDescription)
	switch b.HeldBy {
	case HeldByOrganisation:
		for _, h := range [][2]string{{"host_name", b.HostName}, {"host_charity_number", b.HostCharityNumber},
			{"host_company_number", b.HostCompanyNumber}, {"host_description", b.HostDescription}} {
			if h[1] != "" {
				f.Add(h[0], "is only for an account held by a host organisation")
			}
		}
	case HeldByHostOrganisation:
		if b.HostName == "" || utf8.RuneCountInString(b.HostName) > maxName {
			f.Add("host_name", "is required when the account is held by a host organisation (at most %d characters)", maxName)
		}
		if b.HostCharityNumber != "" && !ValidCharityNumber(b.HostCharityNumber) {
			f.Add("host_charity_number", "must be a charity number such as 1234567, SC012345 or NIC100123")
		}
		if b.HostCompanyNumber != "" && !ValidCompanyNumber(b.HostCompanyNumber) {
			f.Add("host_company_number", "must be a Companies House number: 8 digits, or 2 letters and 6 digits such as SC123456")
		}
		if utf8.RuneCountInString(b.HostDescription) > maxDescription {
			f.Add("host_description", "must be at most %d characters", maxDescription)
		}
		if b.HostCharityNumber == "" && b.HostCompanyNumber == "" && b.HostDescription == "" {
			f.Add("host_charity_number", "give the host's charity number, company number (host_company_number) or, for a host with neither, "+
				"a description (host_description: a church, a community association, a CIC…)")
		}
	default:
		f.Add("held_by", "must be organisation or host_organisation")
	}
	return f.Err(errs.Invalid, "the bank details are not valid")
}

func stripSeparators(s string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
}

// Masked returns the details as members see them: the account number's last four digits
// and the sort code's last two.
func (b BankDetails) Masked() BankDetails {
	m := b
	m.AccountNumber = "****" + last(b.AccountNumber, 4)
	m.SortCode = "**-**-" + last(b.SortCode, 2)
	return m
}

func last(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[len(s)-n:]
}

// SealedBankAccount is a bank account as stored: details sealed under KeyID, bound to the
// organisation's id.
type SealedBankAccount struct {
	ID              string
	OrganisationID  string
	KeyID           string
	Sealed          []byte
	Last4           string // the account number's last four digits, for masking without opening
	ChangedAt       time.Time
	CoolingOffUntil *time.Time // set when an account is replaced; nil for the first
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// BankAccount is what a caller is shown: full details (finance) or masked (members).
type BankAccount struct {
	ID             string
	OrganisationID string
	BankDetails
	Masked          bool
	ChangedAt       time.Time
	CoolingOffUntil *time.Time
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (s *Service) seal(orgID string, d BankDetails) (keyID string, sealed []byte, err error) {
	plain, err := json.Marshal(d)
	if err != nil {
		return "", nil, errs.Wrap(err, "encode bank details")
	}
	keyID, sealed, err = s.sealer.Seal(plain, []byte("bank_account:"+orgID))
	if err != nil {
		return "", nil, errs.Wrap(err, "seal bank details")
	}
	return keyID, sealed, nil
}

func (s *Service) open(a SealedBankAccount) (BankDetails, error) {
	plain, err := s.sealer.Open(a.KeyID, a.Sealed, []byte("bank_account:"+a.OrganisationID))
	if err != nil {
		return BankDetails{}, errs.Wrap(err, "open bank details")
	}
	var d BankDetails
	if err := json.Unmarshal(plain, &d); err != nil {
		return BankDetails{}, errs.Wrap(err, "decode bank details")
	}
	return d, nil
}

func view(a SealedBankAccount, d BankDetails, v BankView) BankAccount {
	out := BankAccount{ID: a.ID, OrganisationID: a.OrganisationID, BankDetails: d, ChangedAt: a.ChangedAt,
		CoolingOffUntil: a.CoolingOffUntil, Version: a.Version, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	if v != BankFull {
		out.BankDetails, out.Masked = d.Masked(), true
	}
	return out
}

// SetBankAccount gives or replaces an organisation's bank account (owners only) and
// returns it masked. Giving the first account is audited as bank_account.created.
// Replacing one with different details starts the cooling-off period (payments cannot be
// approved until it ends) and is audited as bank_account.replaced, naming the owners to
// notify; the same details again change nothing. ifMatch, when not nil, must equal the
// account's current version.
func (s *Service) SetBankAccount(ctx context.Context, actor auth.Actor, orgID string, ifMatch *int64, d BankDetails) (BankAccount, error) {
	var out BankAccount
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		_, rel, err := s.load(ctx, actor, orgID, true)
		if err != nil {
			return err
		}
		if err := CanSetBankAccount(actor, rel); err != nil {
			return err
		}
		_, err = s.store.BankAccount(ctx, orgID, true)
		if errs.CodeOf(err) == errs.NotFound {
			return s.createBankAccount(ctx, actor, orgID, ifMatch, d, &out)
		}
		if err != nil {
			return err
		}
		return s.replaceBankAccount(ctx, actor, orgID, ifMatch, d, &out)
	})
	return out, err
}

// createBankAccount gives an organisation its first bank account.
func (s *Service) createBankAccount(ctx context.Context, actor auth.Actor, orgID string, ifMatch *int64, d BankDetails, out *BankAccount) error {
	if ifMatch != nil {
		return ErrStale // there is no version to match
	}
	if err := d.Validate(); err != nil {
		return err
	}
	keyID, sealed, err := s.seal(orgID, d)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	a := SealedBankAccount{ID: s.newID(), OrganisationID: orgID, KeyID: keyID, Sealed: sealed, Last4: last(d.AccountNumber, 4),
		ChangedAt: now, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateBankAccount(ctx, a); err != nil {
		return err
	}
	*out = view(a, d, BankMasked)
	return s.events.Publish(ctx, actor, event.BankAccount{Kind: event.BankAccountCreated, OrganisationID: orgID,
		AccountNumber: "****" + a.Last4, HeldBy: string(d.HeldBy)})
}

// replaceBankAccount replaces an organisation's bank account with different details (the
// same details again change nothing), starting the cooling-off period and naming the
// owners to notify in the event.
func (s *Service) replaceBankAccount(ctx context.Context, actor auth.Actor, orgID string, ifMatch *int64, d BankDetails, out *BankAccount) error {
	var previousLast4 string
	a, err := s.store.UpdateBankAccount(ctx, orgID, change.Guard{IfMatch: ifMatch, At: s.now()}, func(a *SealedBankAccount) error {
		if err := d.Validate(); err != nil {
			return err
		}
		old, err := s.open(*a)
		if err != nil {
			return err
		}
		if old == d {
			return change.Unchanged
		}
		keyID, sealed, err := s.seal(orgID, d)
		if err != nil {
			return err
		}
		previousLast4 = a.Last4
		a.KeyID, a.Sealed, a.Last4, a.ChangedAt = keyID, sealed, last(d.AccountNumber, 4), s.now().UTC()
		a.CoolingOffUntil = nil
		if s.coolingOff > 0 {
			until := a.ChangedAt.Add(s.coolingOff)
			a.CoolingOffUntil = &until
		}
		return nil
	})
	if err != nil {
		return err
	}
	*out = view(a, d, BankMasked)
	if previousLast4 == "" {
		return nil // the same details again
	}
	owners, err := s.store.OwnerIDs(ctx, orgID)
	if err != nil {
		return err
	}
	ev := event.BankAccount{Kind: event.BankAccountReplaced, OrganisationID: orgID, AccountNumber: "****" + a.Last4,
		HeldBy: string(d.HeldBy), PreviousAccountNumber: "****" + previousLast4, NotifyOwnerIDs: owners}
	if a.CoolingOffUntil != nil {
		ev.CoolingOffUntil = a.CoolingOffUntil.Format(time.RFC3339)
	}
	// The owners are told of the change by the notifications capability, subscribing to
	// bank_account.replaced (SPEC §4); NotifyOwnerIDs names them.
	return s.events.Publish(ctx, actor, ev)
}

// BankAccount returns an organisation's bank account as actor may see it: in full to
// finance (the read is audited as bank_account.read in the same transaction, so no full
// read goes unrecorded), masked to the organisation's members, and ErrBankNotFound to
// everyone else, as when there is none.
func (s *Service) BankAccount(ctx context.Context, actor auth.Actor, orgID string) (BankAccount, error) {
	var out BankAccount
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := s.store.Organisation(ctx, orgID, false)
		if errs.CodeOf(err) == errs.NotFound {
			return ErrBankNotFound
		}
		if err != nil {
			return err
		}
		rel, err := s.relation(ctx, actor, o.ID)
		if err != nil {
			return err
		}
		v, err := CanSeeBankAccount(actor, rel)
		if err != nil {
			return err
		}
		a, err := s.store.BankAccount(ctx, orgID, false)
		if errs.CodeOf(err) == errs.NotFound {
			return ErrBankNotFound
		}
		if err != nil {
			return err
		}
		d, err := s.open(a)
		if err != nil {
			return err
		}
		out = view(a, d, v)
		if v != BankFull {
			return nil
		}
		return s.events.Publish(ctx, actor, event.BankAccount{Kind: event.BankAccountRead, OrganisationID: orgID, AccountNumber: "****" + a.Last4})
	})
	return out, err
}

// PaymentsBlockedUntil reports whether payments to an organisation are blocked by a recent
// bank-account change, and until when. The payments capability calls it before approving a
// payment. It fails closed: if the account cannot be read, payments are reported blocked
// (with a zero time). An organisation with no account is not blocked here (paying needs an
// account, which award acceptance checks).
func (s *Service) PaymentsBlockedUntil(ctx context.Context, orgID string) (time.Time, bool) {
	a, err := s.store.BankAccount(ctx, orgID, false)
	if errs.CodeOf(err) == errs.NotFound {
		return time.Time{}, false
	}
	if err != nil {
		return time.Time{}, true
	}
	if a.CoolingOffUntil != nil && s.now().Before(*a.CoolingOffUntil) {
		return *a.CoolingOffUntil, true
	}
	return time.Time{}, false
}
