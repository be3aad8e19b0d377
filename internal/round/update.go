package round

import (
	"context"
	"reflect"
	"slices"
	"time"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/event"
)

// Patch is a change to a round's definition: nil fields are kept.
type Patch struct {
	Name                    *string
	Description             *string
	ReferencePrefix         *string
	Currency                *string
	Budget                  *int64
	MinGrant                *int64
	MaxGrant                *int64
	OpensAt                 *time.Time
	ClosesAt                *time.Time
	GraceMinutes            *int
	ReviewersPerApplication *int
	BlindAssessment         *bool
	Eligibility             *Eligibility
	Form                    *Form
	Criteria                *[]Criterion
	ReportSchedule          *ReportSchedule
	ReportForm              *Form
	Contact                 *Contact
	Accessibility           *Accessibility
	// DecisionExpectedBy is a date (YYYY-MM-DD); "" stops saying one.
	DecisionExpectedBy *string
	SupportOffer       *string
}

// editableUntil is the last stored status in which each field may still change. What
// applicants answer and what panels score against (form, eligibility, criteria) freezes
// when the round opens, as do the terms they apply on (amounts, currency, prefix, opening);
// the deadline may move while the round is open (a round past closes_at is still stored
// open until closed, so a deadline can be extended); panel settings until assessment
// starts; the budget until decisions are published; the report schedule and form until
// offers go out (decided); name and description until the round is archived. What the
// round's page tells groups — contact, accessibility, the support offered alongside the
// money — stays true until the round is archived (funded groups still read it); the date a
// decision is expected may move until the decisions are published.
var editableUntil = map[string]Status{
	"name":                      StatusDecided,
	"description":               StatusDecided,
	"reference_prefix":          StatusDraft,
	"currency":                  StatusDraft,
	"budget":                    StatusAssessment,
	"min_grant":                 StatusDraft,
	"max_grant":                 StatusDraft,
	"opens_at":                  StatusDraft,
	"closes_at":                 StatusOpen,
	"grace_minutes":             StatusOpen,
	"reviewers_per_application": StatusClosed,
	"blind_assessment":          StatusClosed,
	"eligibility":               StatusDraft,
	"form":                      StatusDraft,
	"criteria":                  StatusDraft,
	"report_schedule":           StatusAssessment,
	"report_form":               StatusAssessment,
	"contact":                   StatusDecided,
	"accessibility":             StatusDecided,
	"decision_expected_by":      StatusAssessment,
	"support_offer":             StatusDecided,
}

// Editable reports whether field may change while the round's stored status is s.
func Editable(field string, s Status) bool {
	last, ok := editableUntil[field]
	return ok && s.rank() <= last.rank()
}

// ErrFrozen is the conflict of a change to fields that can no longer change.
var ErrFrozen = errs.E(errs.Conflict, "some fields can no longer change in the round's current status")

// apply sets the patch's fields on d and returns the names of those whose value changed.
func (p Patch) apply(d *Definition) []string {
	var changed []string
	set := func(name string, dst, src any) {
		dv, sv := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src)
		if sv.IsNil() {
			return
		}
		if !reflect.DeepEqual(dv.Interface(), sv.Elem().Interface()) {
			dv.Set(sv.Elem())
			changed = append(changed, name)
		}
	}
	set("name", &d.Name, p.Name)
	set("description", &d.Description, p.Description)
	set("reference_prefix", &d.ReferencePrefix, p.ReferencePrefix)
	set("currency", &d.Currency, p.Currency)
	set("budget", &d.Budget, p.Budget)
	set("min_grant", &d.MinGrant, p.MinGrant)
	set("max_grant", &d.MaxGrant, p.MaxGrant)
	if p.OpensAt != nil && !p.OpensAt.Equal(d.OpensAt) {
		d.OpensAt, changed = p.OpensAt.UTC(), append(changed, "opens_at")
	}
	if p.ClosesAt != nil && !p.ClosesAt.Equal(d.ClosesAt) {
		d.ClosesAt, changed = p.ClosesAt.UTC(), append(changed, "closes_at")
	}
	set("grace_minutes", &d.GraceMinutes, p.GraceMinutes)
	set("reviewers_per_application", &d.ReviewersPerApplication, p.ReviewersPerApplication)
	set("blind_assessment", &d.BlindAssessment, p.BlindAssessment)
	set("eligibility", &d.Eligibility, p.Eligibility)
	set("form", &d.Form, p.Form)
	set("criteria", &d.Criteria, p.Criteria)
	set("report_schedule", &d.ReportSchedule, p.ReportSchedule)
	set("report_form", &d.ReportForm, p.ReportForm)
	if p.Accessibility != nil && len(p.Accessibility.AlternativeFormats) == 0 {
		// [] and omitted say the same: no alternative formats.
		a := *p.Accessibility
		a.AlternativeFormats = d.Accessibility.AlternativeFormats[:0:0]
		p.Accessibility = &a
	}
	set("contact", &d.Contact, p.Contact)
	set("accessibility", &d.Accessibility, p.Accessibility)
	set("decision_expected_by", &d.DecisionExpectedBy, p.DecisionExpectedBy)
	set("support_offer", &d.SupportOffer, p.SupportOffer)
	return changed
}

// UpdateRound changes a round's definition (grants managers). Fields sent with their
// current value are ignored; a changed field that is frozen in the round's status is a
// conflict (409) naming every such field; the result is validated as a whole (422).
// ifMatch, when given, must be the round's current version (412).
func (s *Service) UpdateRound(ctx context.Context, actor auth.Actor, id string, p Patch, ifMatch *int64) (Round, error) {
	if err := CanManage(actor); err != nil {
		return Round{}, err
	}
	var r Round
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var changed []string
		var err error
		r, err = s.store.UpdateRound(ctx, id, s.guard(ifMatch), func(r *Round) error {
			changed = p.apply(&r.Definition)
			return s.checkChange(ctx, r, changed)
		})
		if err != nil || len(changed) == 0 {
			return err
		}
		return s.events.Publish(ctx, actor, event.RoundUpdate{RoundID: r.ID, Changed: changed})
	})
	return r, err
}

// checkChange is the rule of a definition change: no frozen field changed (409 naming
// each), the result valid as a whole (422), an open round's deadline in the future, and a
// new reference prefix free. It is change.Unchanged when nothing changed.
func (s *Service) checkChange(ctx context.Context, r *Round, changed []string) error {
	var frozen errs.Fields
	for _, name := range changed {
		if !Editable(name, r.Status) {
			frozen.Add(name, "can no longer change: the round is %s", r.Status)
		}
	}
	if len(frozen) > 0 {
		return ErrFrozen.WithFields(frozen)
	}
	if len(changed) == 0 {
		return change.Unchanged
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if r.Status == StatusOpen && slices.Contains(changed, "closes_at") && !s.Now().Before(r.ClosesAt) {
		return ErrInvalid.WithFields(errs.Fields{{Field: "closes_at", Message: "must be in the future while the round is open (use the close action to close it now)"}})
	}
	if slices.Contains(changed, "reference_prefix") {
		return s.prefixFree(ctx, r.ReferencePrefix, r.ID)
	}
	return nil
}

// CheckEligibility answers whether a group answering answers could apply to the round:
// anyone may ask, without an account, of any round they can see. Answers to the round's
// eligibility questions are checked by type first (422 naming each); answers to form
// questions are ignored; keys that are no question of the round are refused. The result
// says eligible (true), not eligible (false) or not yet known (nil, some needed question
// unanswered), with a reason per question (Evaluate).
func (s *Service) CheckEligibility(ctx context.Context, actor auth.Actor, id string, answers map[string]any) (Result, error) {
	r, err := s.Round(ctx, actor, id)
	if err != nil {
		return Result{}, err
	}
	only := make(map[string]any, len(answers))
	for k, v := range answers {
		if _, isForm := formQuestion(r.Form, k); !isForm {
			only[k] = v
		}
	}
	if f := checkQuestions(r.Eligibility.Questions, only, false, "answers.", r.Currency); len(f) > 0 {
		return Result{}, f.Err(errs.Invalid, "some answers are not valid")
	}
	return r.Eligibility.Check(only), nil
}

func formQuestion(f Form, id string) (Question, bool) {
	for _, q := range f.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}
