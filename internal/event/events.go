package event

// The catalogue: every event Constellate publishes, with its payload. The name is the audit
// action; the payload's JSON is the audit event's changes. docs/architecture.md lists who
// publishes each and who subscribes.
//
// Entity ids that are the event's Subject are not repeated in the JSON (the audit event
// carries them as entity_id); every other id a notification or webhook would need is.
const (
	UserCreated            Name = "user.created"
	UserRoleChanged        Name = "user.role_changed"
	UserPasswordChanged    Name = "user.password_changed"
	SessionStarted         Name = "session.started"
	SessionEnded           Name = "session.ended"
	SessionEndedEverywhere Name = "session.ended_everywhere"
	SessionReplayDetected  Name = "session.replay_detected"
	ClientCreated          Name = "client.created"
	ClientRevoked          Name = "client.revoked"
	InvitationCreated      Name = "invitation.created"
	InvitationAccepted     Name = "invitation.accepted"

	OrganisationCreated Name = "organisation.created"
	OrganisationUpdated Name = "organisation.updated"
	MembershipAdded     Name = "membership.added"
	MembershipRemoved   Name = "membership.removed"
	BankAccountCreated  Name = "bank_account.created"
	BankAccountReplaced Name = "bank_account.replaced"
	BankAccountRead     Name = "bank_account.read"

	OrganisationInvitationCreated  Name = "organisation_invitation.created"
	OrganisationInvitationAccepted Name = "organisation_invitation.accepted"
	OrganisationInvitationRevoked  Name = "organisation_invitation.revoked"

	ProgrammeCreated        Name = "programme.created"
	ProgrammeUpdated        Name = "programme.updated"
	RoundCreated            Name = "round.created"
	RoundUpdated            Name = "round.updated"
	RoundPanelChanged       Name = "round.panel_changed"
	RoundOpened             Name = "round.opened"
	RoundClosed             Name = "round.closed"
	RoundAssessmentStarted  Name = "round.assessment_started"
	RoundDecisionsPublished Name = "round.decisions_published"
	RoundArchived           Name = "round.archived"

	ApplicationCreated           Name = "application.created"
	ApplicationUpdated           Name = "application.updated"
	ApplicationSubmitted         Name = "application.submitted"
	ApplicationInfoRequested     Name = "application.info_requested"
	ApplicationAssessmentStarted Name = "application.assessment_started"
	ApplicationAwarded           Name = "application.awarded"
	ApplicationDeclined          Name = "application.declined"
	ApplicationWithdrawn         Name = "application.withdrawn"
	ApplicationMarkedIneligible  Name = "application.marked_ineligible"
	ApplicationReinstated        Name = "application.reinstated"

	ConflictDeclared         Name = "conflict.declared"
	AssignmentCreated        Name = "assignment.created"
	AssignmentRemoved        Name = "assignment.removed"
	AssessmentSaved          Name = "assessment.saved"
	AssessmentSubmitted      Name = "assessment.submitted"
	AssessmentDraftDiscarded Name = "assessment.draft_discarded"
	ModerationSet            Name = "moderation.set"

	DecisionRecorded  Name = "decision.recorded"
	DecisionPublished Name = "decision.published"
	AwardAccepted     Name = "award.accepted"
	AwardDeclined     Name = "award.declined"
	AwardWithdrawn    Name = "award.withdrawn"
	AwardActivated    Name = "award.activated"
	AwardCompleted    Name = "award.completed"
	PaymentsScheduled Name = "payments.scheduled"
	PaymentApproved   Name = "payment.approved"
	PaymentPaid       Name = "payment.paid"
	PaymentUnapproved Name = "payment.unapproved"
	PaymentCancelled  Name = "payment.cancelled"
)

// Identity.

// UserAccount is the payload of user.created.
type UserAccount struct {
	UserID string `json:"-"`
	Role   string `json:"role"`
	Email  string `json:"email"`
}

// RoleChange is the payload of user.role_changed.
type RoleChange struct {
	UserID string `json:"-"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// PasswordChange is the payload of user.password_changed.
type PasswordChange struct {
	UserID string `json:"-"`
}

// Session is the payload of the session events (FamilyID is the refresh-token family, when
// one is concerned). Kind is one of SessionStarted, SessionEnded, SessionEndedEverywhere,
// SessionReplayDetected.
type Session struct {
	Kind     Name   `json:"-"`
	UserID   string `json:"-"`
	FamilyID string `json:"family_id,omitempty"`
}

// ClientChange is the payload of client.created and client.revoked (Kind).
type ClientChange struct {
	Kind     Name   `json:"-"`
	ID       string `json:"-"`
	Name     string `json:"name,omitempty"`
	ClientID string `json:"client_id,omitempty"`
}

// Invitation is the payload of invitation.created (Email, Role) and invitation.accepted
// (UserID). The invitation's token is a secret and never travels in an event.
type Invitation struct {
	Kind   Name   `json:"-"`
	ID     string `json:"-"`
	Email  string `json:"email,omitempty"`
	Role   string `json:"role,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

// Organisations.

// OrganisationCreation is the payload of organisation.created.
type OrganisationCreation struct {
	OrganisationID string `json:"-"`
	Name           string `json:"name"`
	OwnerID        string `json:"owner_id"`
}

// OrganisationUpdate is the payload of organisation.updated: the names of the fields that
// changed, never their values (led_by is equality data).
type OrganisationUpdate struct {
	OrganisationID string   `json:"-"`
	Fields         []string `json:"fields"`
}

// Membership is the payload of membership.added and membership.removed (Kind).
type Membership struct {
	Kind           Name   `json:"-"`
	OrganisationID string `json:"-"`
	UserID         string `json:"user_id"`
	Role           string `json:"membership_role,omitempty"`
}

// BankAccount is the payload of the bank_account events (Kind), whose subject is the
// organisation (one filter finds every change and read of a group's bank details). It
// carries only masked numbers. On bank_account.replaced, NotifyOwnerIDs are the owners to
// tell (SPEC §4: a replaced account notifies them) and CoolingOffUntil when payments may
// be approved again.
type BankAccount struct {
	Kind                  Name     `json:"-"`
	OrganisationID        string   `json:"-"`
	AccountNumber         string   `json:"account_number"`
	HeldBy                string   `json:"held_by,omitempty"`
	PreviousAccountNumber string   `json:"previous_account_number,omitempty"`
	CoolingOffUntil       string   `json:"cooling_off_until,omitempty"`
	NotifyOwnerIDs        []string `json:"notify_owner_ids,omitempty"`
}

// OrganisationInvitation is the payload of the organisation_invitation events (Kind), whose
// subject is the organisation (one filter finds a group's invitations with its other
// changes). On organisation_invitation.created it carries what the invitation email needs
// (the seam for notifications): the email, the role, who invited and until when. There is
// no token to leak: the invitee signs in with that email and finds the invitation at
// GET /v1/me/invitations. UserID is who accepted.
type OrganisationInvitation struct {
	Kind           Name   `json:"-"`
	OrganisationID string `json:"-"`
	InvitationID   string `json:"invitation_id"`
	Email          string `json:"email,omitempty"`
	Role           string `json:"membership_role,omitempty"`
	InvitedBy      string `json:"invited_by,omitempty"`
	ExpiresAt      string `json:"expires_at,omitempty"`
	UserID         string `json:"user_id,omitempty"`
}

// Programmes and rounds.

// ProgrammeChange is the payload of programme.created (Name) and programme.updated
// (Changed).
type ProgrammeChange struct {
	Kind        Name     `json:"-"`
	ProgrammeID string   `json:"-"`
	Name        string   `json:"name,omitempty"`
	Changed     []string `json:"changed,omitempty"`
}

// RoundCreation is the payload of round.created.
type RoundCreation struct {
	RoundID     string `json:"-"`
	ProgrammeID string `json:"programme_id"`
	Name        string `json:"name"`
	Status      string `json:"status"`
}

// RoundUpdate is the payload of round.updated: the names of the definition fields that
// changed.
type RoundUpdate struct {
	RoundID string   `json:"-"`
	Changed []string `json:"changed"`
}

// PanelChange is the payload of round.panel_changed: who joined and who left.
type PanelChange struct {
	RoundID string   `json:"-"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// RoundMove is the payload of a round's status actions (Kind: round.opened, round.closed,
// round.assessment_started, round.decisions_published, round.archived).
type RoundMove struct {
	Kind    Name       `json:"-"`
	RoundID string     `json:"-"`
	Status  StatusMove `json:"status"`
}

// StatusMove is a status change.
type StatusMove struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Applications.

// ApplicationCreation is the payload of application.created.
type ApplicationCreation struct {
	ApplicationID  string `json:"-"`
	RoundID        string `json:"round_id"`
	OrganisationID string `json:"organisation_id"`
}

// ApplicationUpdate is the payload of application.updated: the fields changed (answers as
// answers.<question id>), never their values.
type ApplicationUpdate struct {
	ApplicationID string   `json:"-"`
	Fields        []string `json:"fields"`
}

// ApplicationMove is the payload of an application's status actions (Kind:
// application.submitted, .info_requested, .assessment_started, .awarded, .declined,
// .withdrawn, .marked_ineligible). Reason is the reason or message the group is told;
// Reference and Revision are set on submission.
type ApplicationMove struct {
	Kind           Name   `json:"-"`
	ApplicationID  string `json:"-"`
	RoundID        string `json:"round_id"`
	OrganisationID string `json:"organisation_id"`
	From           string `json:"from"`
	To             string `json:"to"`
	Reason         string `json:"reason,omitempty"`
	Reference      string `json:"reference,omitempty"`
	Revision       int    `json:"revision,omitempty"`
}

// ApplicationReinstatement is the payload of application.reinstated: a grants manager
// reversed an ineligible decision, with the reason the group reads in the history (To is
// submitted; a round already in assessment then moves it on, with its own event).
type ApplicationReinstatement struct {
	ApplicationID  string `json:"-"`
	RoundID        string `json:"round_id"`
	OrganisationID string `json:"organisation_id"`
	From           string `json:"from"`
	To             string `json:"to"`
	Reason         string `json:"reason"`
}

// Event implements Payload.
func (p ApplicationReinstatement) Event() Name { return ApplicationReinstated }

// Subject implements Payload.
func (p ApplicationReinstatement) Subject() Subject { return Subject{"application", p.ApplicationID} }

// Assessment.

// ConflictDeclaration is the payload of conflict.declared, whose subject is the application.
// The note stays with the declaration (managers read it there); it does not travel in
// events.
type ConflictDeclaration struct {
	ApplicationID     string `json:"-"`
	RoundID           string `json:"round_id"`
	UserID            string `json:"user_id"`
	RemovedAssignment string `json:"removed_assignment_id,omitempty"`
	DiscardedDraft    bool   `json:"discarded_draft,omitempty"`
}

// AssignmentChange is the payload of assignment.created and assignment.removed (Kind).
// Reason says why one was removed (manager, conflict, left_panel); Auto marks those made
// by automatic assignment.
type AssignmentChange struct {
	Kind          Name   `json:"-"`
	AssignmentID  string `json:"-"`
	RoundID       string `json:"round_id"`
	ApplicationID string `json:"application_id"`
	UserID        string `json:"user_id"`
	Auto          bool   `json:"auto,omitempty"`
	Reason        string `json:"reason,omitempty"`
}

// AssessmentChange is the payload of assessment.saved, assessment.submitted and
// assessment.draft_discarded (Kind). Scores and comments stay in the assessment; the
// event names whose assessment of what, its recommendation once submitted, and the
// revision scored.
type AssessmentChange struct {
	Kind           Name   `json:"-"`
	AssessmentID   string `json:"-"`
	RoundID        string `json:"round_id"`
	ApplicationID  string `json:"application_id"`
	PanelMemberID  string `json:"panel_member_id"`
	Recommendation string `json:"recommendation,omitempty"`
	RevisionScored int    `json:"revision_scored,omitempty"`
}

// ModerationChange is the payload of moderation.set, whose subject is the application.
type ModerationChange struct {
	ApplicationID string   `json:"-"`
	RoundID       string   `json:"round_id"`
	Score         float64  `json:"score"`
	Previous      *float64 `json:"previous,omitempty"`
}

// Decisions, awards and payments.

// DecisionChange is the payload of decision.recorded (a manager's decision, before
// publication), whose subject is the application. Feedback and conditions stay in the
// decision.
type DecisionChange struct {
	Kind          Name   `json:"-"`
	ApplicationID string `json:"-"`
	RoundID       string `json:"round_id"`
	Outcome       string `json:"outcome"`
	Amount        int64  `json:"amount"`
}

// DecisionRelease is the payload of decision.published, one per application, whose subject
// is the application: what a decision letter or a webhook needs.
type DecisionRelease struct {
	ApplicationID  string `json:"-"`
	RoundID        string `json:"round_id"`
	OrganisationID string `json:"organisation_id"`
	Reference      string `json:"reference"`
	Outcome        string `json:"outcome"`
	Amount         int64  `json:"amount,omitempty"`
	AwardID        string `json:"award_id,omitempty"`
}

// AwardMove is the payload of an award's status changes (Kind: award.accepted, .declined,
// .withdrawn, .activated, .completed). Reason is the group's or the funder's; SignedName and
// AgreementVersion are set on acceptance.
type AwardMove struct {
	Kind             Name   `json:"-"`
	AwardID          string `json:"-"`
	RoundID          string `json:"round_id"`
	ApplicationID    string `json:"application_id"`
	OrganisationID   string `json:"organisation_id"`
	From             string `json:"from"`
	To               string `json:"to"`
	Reason           string `json:"reason,omitempty"`
	AgreementVersion string `json:"agreement_version,omitempty"`
}

// Schedule is the payload of payments.scheduled, whose subject is the award.
type Schedule struct {
	AwardID        string `json:"-"`
	OrganisationID string `json:"organisation_id"`
	Instalments    int    `json:"instalments"`
	Total          int64  `json:"total"`
}

// PaymentMove is the payload of a payment's status changes (Kind: payment.approved, .paid,
// .unapproved, .cancelled). Reference is the finance system's payment reference.
type PaymentMove struct {
	Kind           Name   `json:"-"`
	PaymentID      string `json:"-"`
	AwardID        string `json:"award_id"`
	OrganisationID string `json:"organisation_id"`
	Amount         int64  `json:"amount"`
	From           string `json:"from"`
	To             string `json:"to"`
	PaidOn         string `json:"paid_on,omitempty"`
	Reference      string `json:"reference,omitempty"`
}

// The Payload methods: each names its event (a family's payload carries it in Kind) and
// its subject.

func (p UserAccount) Event() Name               { return UserCreated }
func (p UserAccount) Subject() Subject          { return Subject{"user", p.UserID} }
func (p RoleChange) Event() Name                { return UserRoleChanged }
func (p RoleChange) Subject() Subject           { return Subject{"user", p.UserID} }
func (p PasswordChange) Event() Name            { return UserPasswordChanged }
func (p PasswordChange) Subject() Subject       { return Subject{"user", p.UserID} }
func (p Session) Event() Name                   { return p.Kind }
func (p Session) Subject() Subject              { return Subject{"user", p.UserID} }
func (p ClientChange) Event() Name              { return p.Kind }
func (p ClientChange) Subject() Subject         { return Subject{"client", p.ID} }
func (p Invitation) Event() Name                { return p.Kind }
func (p Invitation) Subject() Subject           { return Subject{"invitation", p.ID} }
func (p OrganisationCreation) Event() Name      { return OrganisationCreated }
func (p OrganisationCreation) Subject() Subject { return Subject{"organisation", p.OrganisationID} }
func (p OrganisationUpdate) Event() Name        { return OrganisationUpdated }
func (p OrganisationUpdate) Subject() Subject   { return Subject{"organisation", p.OrganisationID} }
func (p Membership) Event() Name                { return p.Kind }
func (p Membership) Subject() Subject           { return Subject{"organisation", p.OrganisationID} }
func (p BankAccount) Event() Name               { return p.Kind }
func (p BankAccount) Subject() Subject          { return Subject{"bank_account", p.OrganisationID} }
func (p ProgrammeChange) Event() Name           { return p.Kind }
func (p ProgrammeChange) Subject() Subject      { return Subject{"programme", p.ProgrammeID} }
func (p RoundCreation) Event() Name             { return RoundCreated }
func (p RoundCreation) Subject() Subject        { return Subject{"round", p.RoundID} }
func (p RoundUpdate) Event() Name               { return RoundUpdated }
func (p RoundUpdate) Subject() Subject          { return Subject{"round", p.RoundID} }
func (p PanelChange) Event() Name               { return RoundPanelChanged }
func (p PanelChange) Subject() Subject          { return Subject{"round", p.RoundID} }
func (p RoundMove) Event() Name                 { return p.Kind }
func (p RoundMove) Subject() Subject            { return Subject{"round", p.RoundID} }
func (p ApplicationCreation) Event() Name       { return ApplicationCreated }
func (p ApplicationCreation) Subject() Subject  { return Subject{"application", p.ApplicationID} }
func (p ApplicationUpdate) Event() Name         { return ApplicationUpdated }
func (p ApplicationUpdate) Subject() Subject    { return Subject{"application", p.ApplicationID} }
func (p ApplicationMove) Event() Name           { return p.Kind }
func (p ApplicationMove) Subject() Subject      { return Subject{"application", p.ApplicationID} }
func (p ConflictDeclaration) Event() Name       { return ConflictDeclared }
func (p ConflictDeclaration) Subject() Subject  { return Subject{"application", p.ApplicationID} }
func (p AssignmentChange) Event() Name          { return p.Kind }
func (p AssignmentChange) Subject() Subject     { return Subject{"assignment", p.AssignmentID} }
func (p AssessmentChange) Event() Name          { return p.Kind }
func (p AssessmentChange) Subject() Subject     { return Subject{"assessment", p.AssessmentID} }
func (p ModerationChange) Event() Name          { return ModerationSet }
func (p ModerationChange) Subject() Subject     { return Subject{"application", p.ApplicationID} }
func (p DecisionChange) Event() Name            { return p.Kind }
func (p DecisionChange) Subject() Subject       { return Subject{"application", p.ApplicationID} }
func (p DecisionRelease) Event() Name           { return DecisionPublished }
func (p DecisionRelease) Subject() Subject      { return Subject{"application", p.ApplicationID} }
func (p AwardMove) Event() Name                 { return p.Kind }
func (p AwardMove) Subject() Subject            { return Subject{"award", p.AwardID} }
func (p Schedule) Event() Name                  { return PaymentsScheduled }
func (p Schedule) Subject() Subject             { return Subject{"award", p.AwardID} }
func (p PaymentMove) Event() Name               { return p.Kind }
func (p PaymentMove) Subject() Subject          { return Subject{"payment", p.PaymentID} }

// The organisation invitations' Payload methods (subject: the organisation).

func (p OrganisationInvitation) Event() Name { return p.Kind }
func (p OrganisationInvitation) Subject() Subject {
	return Subject{"organisation", p.OrganisationID}
}
