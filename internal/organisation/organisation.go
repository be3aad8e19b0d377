// Package organisation is applicant groups (SPEC §4): organisations, their members (owners
// and plain members) and their bank account. Bank details are sealed before they reach the
// store, shown in full only to finance (every such read audited), masked to the group's
// own members and invisible to everyone else; replacing them starts a cooling-off period
// during which the group's payments cannot be approved.
package organisation

import (
	"context"
	"time"

	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/page"
)

// Details are the fields an organisation's owners edit.
type Details struct {
	Name               string
	LegalForm          LegalForm // "" when not given
	CharityNumber      string    // normalised upper-case without spaces; "" for unregistered groups
	CompanyNumber      string    // 8 characters; ""
	UserLed            bool
	UserLedDescription string
	LedBy              []LedBy // self-identified; never nil after Validate
	PublishLedBy       bool    // consent to publish LedBy in open data
	AnnualIncome       *int64  // minor units; nil when not given
	Postcode           string  // "SW1A 1AA"; ""
	Region             Region  // ""
	Website            string
	ContactEmail       string
}

// Organisation is an applicant group.
type Organisation struct {
	ID string
	Details
	Version   int64 // bumped on every change: the ETag
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MembershipRole is a member's role within an organisation.
type MembershipRole string

// The membership roles. Owners edit the organisation, its members and bank account;
// members read it (and act on its applications).
const (
	RoleOwner  MembershipRole = "owner"
	RoleMember MembershipRole = "member"
)

// Valid reports whether r is owner or member.
func (r MembershipRole) Valid() bool { return r == RoleOwner || r == RoleMember }

// Membership links a user to an organisation.
type Membership struct {
	ID             string
	OrganisationID string
	UserID         string
	Role           MembershipRole
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Member is a membership with the member's name and email, for the member list.
type Member struct {
	Membership
	Name  string
	Email string
}

// UserOrganisation is one organisation a user belongs to (GET /v1/me).
type UserOrganisation struct {
	ID   string
	Name string
	Role MembershipRole
}

// UserRef is the part of an account membership needs.
type UserRef struct {
	ID    string
	Name  string
	Email string
	Role  string
}

// ListScope limits a listing of organisations: All, or those MemberID belongs to.
type ListScope struct {
	All      bool
	MemberID string
}

// Store keeps organisations, memberships and sealed bank accounts. Implementations join
// the transaction in ctx; "not found" is errs.NotFound, never a zero value.
type Store interface {
	CreateOrganisation(ctx context.Context, o Organisation) error
	// Organisation loads one; forUpdate locks its row until the transaction ends (it also
	// serialises changes to the organisation's members and bank account).
	Organisation(ctx context.Context, id string, forUpdate bool) (Organisation, error)
	// UpdateOrganisation is the one update path (package change) for organisation id:
	// ErrStale for a stale If-Match.
	UpdateOrganisation(ctx context.Context, id string, g change.Guard, rule func(*Organisation) error) (Organisation, error)
	ListOrganisations(ctx context.Context, s ListScope, p page.Params) ([]Organisation, error)

	AddMembership(ctx context.Context, m Membership) error // errs.Conflict when already a member
	Membership(ctx context.Context, orgID, userID string) (Membership, error)
	Members(ctx context.Context, orgID string, p page.Params) ([]Member, error)
	RemoveMembership(ctx context.Context, orgID, userID string) error
	OwnerIDs(ctx context.Context, orgID string) ([]string, error)
	UserOrganisations(ctx context.Context, userID string) ([]UserOrganisation, error)
	// FindUser finds an account by email (lower-cased) or by id; exactly one is given.
	FindUser(ctx context.Context, email, id string) (UserRef, error)
	// IsMemberByEmail reports whether the account with email (lower-cased) is a member of
	// orgID. It runs the same query whether or not such an account exists.
	IsMemberByEmail(ctx context.Context, orgID, email string) (bool, error)
	// NameInUse reports whether an organisation other than exceptID has the name key key
	// (NameKey).
	NameInUse(ctx context.Context, key, exceptID string) (bool, error)

	CreateInvitation(ctx context.Context, inv Invitation) error
	// Invitation loads one invitation, locking its row when forUpdate; OrganisationName
	// and InvitedByName are filled in.
	Invitation(ctx context.Context, id string, forUpdate bool) (Invitation, error)
	// PendingInvitations lists, in id order after p.After, the invitations neither
	// accepted, revoked nor expired at now: of organisation s.OrganisationID and/or to
	// email s.Email (at least one is given); OrganisationName and InvitedByName are filled in.
	PendingInvitations(ctx context.Context, s InvitationScope, now time.Time, p page.Params) ([]Invitation, error)
	// CloseInvitation records an invitation's acceptance (AcceptedAt, AcceptedBy) or
	// revocation (RevokedAt) if it is still open: ErrInvitationClosed otherwise.
	CloseInvitation(ctx context.Context, inv Invitation) error

	BankAccount(ctx context.Context, orgID string, forUpdate bool) (SealedBankAccount, error)
	CreateBankAccount(ctx context.Context, a SealedBankAccount) error
	// UpdateBankAccount is the one update path (package change) for the bank account of
	// organisation orgID: ErrStale for a stale If-Match.
	UpdateBankAccount(ctx context.Context, orgID string, g change.Guard, rule func(*SealedBankAccount) error) (SealedBankAccount, error)
}

// Transactor runs fn in one transaction carried in ctx.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Sealer encrypts bank details for storage (internal/secretbox.Keyring).
type Sealer interface {
	Seal(plaintext, aad []byte) (keyID string, sealed []byte, err error)
	Open(keyID string, sealed, aad []byte) ([]byte, error)
}

// Errors of the capability.
var (
	ErrNotFound          = errs.E(errs.NotFound, "organisation not found")
	ErrMemberNotFound    = errs.E(errs.NotFound, "member not found")
	ErrBankNotFound      = errs.E(errs.NotFound, "bank account not found")
	ErrOwnersOnly        = errs.E(errs.Forbidden, "only the organisation's owners may do this")
	ErrApplicantsOnly    = errs.E(errs.Forbidden, "only applicants create organisations")
	ErrMembersListAccess = errs.E(errs.Forbidden, "only the organisation's members and grants managers see its members")
	ErrRemoveOthers      = errs.E(errs.Forbidden, "only owners may remove other members; you may remove yourself")
	ErrLastOwner         = errs.E(errs.Conflict, "the last owner cannot leave: add another owner first")
	ErrAlreadyMember     = errs.E(errs.Conflict, "this user is already a member of the organisation")
	ErrStale             = errs.E(errs.PreconditionFailed, "If-Match does not match the current version of this resource")
	// ErrDirectAddManagersOnly refuses a direct add (DirectAdd) by anyone but a grants
	// manager.
	ErrDirectAddManagersOnly = errs.E(errs.Forbidden, "only grants managers add members directly; the group's owners invite them")
	// ErrInviteInstead refuses an owner's direct add, pointing at the way a group grows: an
	// invitation, which never reveals whether an email has an account.
	ErrInviteInstead = errs.E(errs.Forbidden, "owners add people by invitation: POST /v1/organisations/{id}/invitations {email, role}; they join when they accept")
)
