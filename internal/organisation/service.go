package organisation

import (
	"context"
	"net/mail"
	"reflect"
	"slices"
	"strings"
	"time"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
	"constellate/internal/page"
)

// Service is the organisation use cases. Every method takes the caller and checks the
// policy (policy.go) against their membership as it is in the database now.
type Service struct {
	tx         Transactor
	store      Store
	sealer     Sealer
	events     *event.Bus
	now        func() time.Time
	coolingOff time.Duration
	newID      func() string
	// invitationTTL is how long an invitation to join stays open (DefaultInvitationTTL).
	invitationTTL time.Duration
}

// NewService returns the organisation service. coolingOff is how long payments to an
// organisation stay blocked after its bank account is replaced.
func NewService(tx Transactor, store Store, sealer Sealer, events *event.Bus, now func() time.Time, coolingOff time.Duration) *Service {
	return &Service{tx: tx, store: store, sealer: sealer, events: events, now: now, coolingOff: coolingOff, newID: ids.New,
		invitationTTL: DefaultInvitationTTL}
}

// relation is actor's membership role in orgID ("" when none). Only applicant accounts
// hold memberships; staff and machine clients have none.
func (s *Service) relation(ctx context.Context, actor auth.Actor, orgID string) (Relation, error) {
	if !actor.Is(auth.RoleApplicant) || actor.Machine {
		return "", nil
	}
	m, err := s.store.Membership(ctx, orgID, actor.UserID)
	if errs.CodeOf(err) == errs.NotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return m.Role, nil
}

// load returns the organisation and actor's relation to it, or ErrNotFound when it does
// not exist or actor may not see it (the two are indistinguishable).
func (s *Service) load(ctx context.Context, actor auth.Actor, id string, forUpdate bool) (Organisation, Relation, error) {
	o, err := s.store.Organisation(ctx, id, forUpdate)
	if errs.CodeOf(err) == errs.NotFound {
		return Organisation{}, "", ErrNotFound
	}
	if err != nil {
		return Organisation{}, "", err
	}
	rel, err := s.relation(ctx, actor, id)
	if err != nil {
		return Organisation{}, "", err
	}
	if err := CanRead(actor, rel); err != nil {
		return Organisation{}, "", err
	}
	return o, rel, nil
}

// Create makes an organisation with actor as its first owner.
func (s *Service) Create(ctx context.Context, actor auth.Actor, d Details) (Organisation, error) {
	if err := CanCreate(actor); err != nil {
		return Organisation{}, err
	}
	if err := d.Validate(); err != nil {
		return Organisation{}, err
	}
	now := s.now().UTC()
	o := Organisation{ID: s.newID(), Details: d, Version: 1, CreatedAt: now, UpdatedAt: now}
	m := Membership{ID: s.newID(), OrganisationID: o.ID, UserID: actor.UserID, Role: RoleOwner, CreatedAt: now, UpdatedAt: now}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateOrganisation(ctx, o); err != nil {
			return err
		}
		if err := s.store.AddMembership(ctx, m); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.OrganisationCreation{OrganisationID: o.ID, Name: o.Name, OwnerID: actor.UserID})
	})
	return o, err
}

// Get returns an organisation actor may see.
func (s *Service) Get(ctx context.Context, actor auth.Actor, id string) (Organisation, error) {
	o, _, err := s.load(ctx, actor, id, false)
	return o, err
}

// List returns a page of the organisations actor may see, oldest first, and the key to
// continue after ("" on the last page).
func (s *Service) List(ctx context.Context, actor auth.Actor, p page.Params) ([]Organisation, string, error) {
	items, err := s.store.ListOrganisations(ctx, ScopeFor(actor), p)
	return page.Cut(p, items, err, func(o Organisation) string { return o.ID })
}

// Update changes an organisation's details with apply (owners only). ifMatch, when not
// nil, must equal the current version (else ErrStale). The row is locked for the change,
// so concurrent updates never lose one another.
func (s *Service) Update(ctx context.Context, actor auth.Actor, id string, ifMatch *int64, apply func(*Details)) (Organisation, error) {
	var out Organisation
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var changed []string
		var err error
		out, err = s.store.UpdateOrganisation(ctx, id, change.Guard{IfMatch: ifMatch, At: s.now()}, func(o *Organisation) error {
			rel, err := s.relation(ctx, actor, o.ID)
			if err != nil {
				return err
			}
			if err := CanRead(actor, rel); err != nil {
				return err
			}
			if err := CanEdit(actor, rel); err != nil {
				return err
			}
			before := o.Details
			before.LedBy = append([]LedBy(nil), o.LedBy...)
			apply(&o.Details)
			if err := o.Details.Validate(); err != nil {
				return err
			}
			if changed = changedFields(before, o.Details); len(changed) == 0 {
				return change.Unchanged
			}
			return nil
		})
		if err != nil || len(changed) == 0 {
			return err
		}
		return s.events.Publish(ctx, actor, event.OrganisationUpdate{OrganisationID: out.ID, Fields: changed})
	})
	return out, err
}

// changedFields names (in JSON terms) the details that differ. Only names are audited:
// led_by is equality data.
func changedFields(a, b Details) []string {
	names := []struct {
		name string
		same bool
	}{
		{"name", a.Name == b.Name}, {"legal_form", a.LegalForm == b.LegalForm},
		{"charity_number", a.CharityNumber == b.CharityNumber}, {"company_number", a.CompanyNumber == b.CompanyNumber},
		{"user_led", a.UserLed == b.UserLed}, {"user_led_description", a.UserLedDescription == b.UserLedDescription},
		{"led_by", slices.Equal(a.LedBy, b.LedBy)}, {"publish_led_by", a.PublishLedBy == b.PublishLedBy},
		{"annual_income", reflect.DeepEqual(a.AnnualIncome, b.AnnualIncome)}, {"postcode", a.Postcode == b.Postcode},
		{"region", a.Region == b.Region}, {"website", a.Website == b.Website}, {"contact_email", a.ContactEmail == b.ContactEmail},
	}
	var out []string
	for _, n := range names {
		if !n.same {
			out = append(out, n.name)
		}
	}
	return out
}

// Members returns a page of an organisation's members, in the order they joined.
func (s *Service) Members(ctx context.Context, actor auth.Actor, orgID string, p page.Params) ([]Member, string, error) {
	_, rel, err := s.load(ctx, actor, orgID, false)
	if err != nil {
		return nil, "", err
	}
	if err := CanListMembers(actor, rel); err != nil {
		return nil, "", err
	}
	items, err := s.store.Members(ctx, orgID, p)
	return page.Cut(p, items, err, func(m Member) string { return m.ID })
}

// NewMember names an existing applicant account to add, by Email or UserID (exactly one).
type NewMember struct {
	Email  string
	UserID string
	Role   MembershipRole
}

// DirectAdd is POST /v1/organisations/{id}/members: a grants manager adds an existing
// applicant account by email or user id, without an invitation (CanAddDirectly). It is the
// support path — say, a group whose only owner lost their account; groups themselves grow by
// invitation (Invite). The rule is checked before any lookup. An account that does not
// exist, or is not an applicant's, is refused alike (422 on the field used), so staff
// accounts cannot be discovered through it.
func (s *Service) DirectAdd(ctx context.Context, actor auth.Actor, orgID string, n NewMember) (Member, error) {
	var out Member
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		_, rel, err := s.load(ctx, actor, orgID, true)
		if err != nil {
			return err
		}
		if err := CanAddDirectly(actor, rel); err != nil {
			return err
		}
		field, err := n.validate()
		if err != nil {
			return err
		}
		u, err := s.store.FindUser(ctx, n.Email, n.UserID)
		if errs.CodeOf(err) == errs.NotFound || (err == nil && u.Role != string(auth.RoleApplicant)) {
			return (&errs.Fields{{Field: field, Message: "no applicant account was found for it; they can register first"}}).Err(errs.Invalid, "the member to add was not found")
		}
		if err != nil {
			return err
		}
		now := s.now().UTC()
		m := Membership{ID: s.newID(), OrganisationID: orgID, UserID: u.ID, Role: n.Role, CreatedAt: now, UpdatedAt: now}
		if err := s.store.AddMembership(ctx, m); err != nil {
			if errs.CodeOf(err) == errs.Conflict {
				return ErrAlreadyMember
			}
			return err
		}
		out = Member{Membership: m, Name: u.Name, Email: u.Email}
		return s.events.Publish(ctx, actor, event.Membership{Kind: event.MembershipAdded, OrganisationID: orgID, UserID: u.ID, Role: string(n.Role)})
	})
	return out, err
}

func (n *NewMember) validate() (string, error) {
	var f errs.Fields
	n.Email = strings.ToLower(strings.TrimSpace(n.Email))
	n.UserID = strings.ToLower(strings.TrimSpace(n.UserID))
	field := "email"
	switch {
	case n.Email == "" && n.UserID == "":
		f.Add("email", "give the member's email or user_id")
	case n.Email != "" && n.UserID != "":
		f.Add("user_id", "give email or user_id, not both")
	case n.UserID != "":
		field = "user_id"
		if !ids.Valid(n.UserID) {
			f.Add("user_id", "must be a UUID")
		}
	default:
		if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email {
			f.Add("email", "must be an email address such as name@example.org")
		}
	}
	if n.Role == "" {
		n.Role = RoleMember
	}
	if !n.Role.Valid() {
		f.Add("membership_role", "must be owner or member")
	}
	return field, f.Err(errs.Invalid, "the member to add is not valid")
}

// RemoveMember removes userID from an organisation: owners remove anyone, a member may
// remove themself, and the last owner can never leave (ErrLastOwner). The organisation's
// row is locked, so two owners leaving at once cannot both succeed.
func (s *Service) RemoveMember(ctx context.Context, actor auth.Actor, orgID, userID string) error {
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		_, rel, err := s.load(ctx, actor, orgID, true)
		if err != nil {
			return err
		}
		if err := CanRemoveMember(actor, rel, userID); err != nil {
			return err
		}
		m, err := s.store.Membership(ctx, orgID, userID)
		if errs.CodeOf(err) == errs.NotFound {
			return ErrMemberNotFound
		}
		if err != nil {
			return err
		}
		if m.Role == RoleOwner {
			owners, err := s.store.OwnerIDs(ctx, orgID)
			if err != nil {
				return err
			}
			if len(owners) <= 1 {
				return ErrLastOwner
			}
		}
		if err := s.store.RemoveMembership(ctx, orgID, userID); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.Membership{Kind: event.MembershipRemoved, OrganisationID: orgID, UserID: userID, Role: string(m.Role)})
	})
}

// Memberships lists the organisations actor belongs to, with their role in each (GET /v1/me).
func (s *Service) Memberships(ctx context.Context, actor auth.Actor) ([]UserOrganisation, error) {
	if actor.Anonymous() || actor.Machine {
		return []UserOrganisation{}, nil
	}
	return s.store.UserOrganisations(ctx, actor.UserID)
}
