package assessment

import (
	"context"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
	"constellate/internal/page"
	"constellate/internal/round"
)

// relation finds what actor is to an application's assessment.
func (s *Service) relation(ctx context.Context, actor auth.Actor, t Target) (Relation, error) {
	var rel Relation
	if !actor.Is(auth.RolePanelMember) {
		return rel, nil
	}
	var err error
	if rel.OnPanel, err = s.store.OnPanel(ctx, t.RoundID, actor.UserID); err != nil || !rel.OnPanel {
		return rel, err
	}
	if _, rel.Assigned, err = s.store.AssignmentOf(ctx, t.ID, actor.UserID); err != nil {
		return rel, err
	}
	if rel.Conflicted, err = s.store.Conflicted(ctx, t.ID, actor.UserID); err != nil {
		return rel, err
	}
	own, ok, err := s.store.Assessment(ctx, t.ID, actor.UserID)
	rel.Submitted = ok && own.Status == StatusSubmitted
	return rel, err
}

// scorable loads the application and round for the caller's own assessment: CanScore, then
// the round in assessment and the application under assessment (409), so no scoring
// happens after a round moves on.
func (s *Service) scorable(ctx context.Context, actor auth.Actor, applicationID string) (Target, round.Round, error) {
	t, err := s.target(ctx, applicationID, false)
	if err != nil {
		return t, round.Round{}, err
	}
	rel, err := s.relation(ctx, actor, t)
	if err != nil {
		return t, round.Round{}, err
	}
	if err := CanScore(actor, rel); err != nil {
		return t, round.Round{}, err
	}
	r, err := s.round(ctx, t.RoundID, false)
	return t, r, err
}

// Mine returns the caller's own assessment of an application (an assigned, unconflicted
// panel member; ErrAssessmentMissing before the first save) and, for a draft, what stops
// its submission.
func (s *Service) Mine(ctx context.Context, actor auth.Actor, applicationID string) (Assessment, errs.Fields, error) {
	t, r, err := s.scorable(ctx, actor, applicationID)
	if err != nil {
		return Assessment{}, nil, err
	}
	a, ok, err := s.store.Assessment(ctx, t.ID, actor.UserID)
	if err == nil && !ok {
		err = ErrAssessmentMissing
	}
	if err != nil {
		return Assessment{}, nil, err
	}
	return a, problemsOf(r, a), nil
}

// problemsOf is what stops a from being submitted (none once it is).
func problemsOf(r round.Round, a Assessment) errs.Fields {
	if a.Status == StatusSubmitted {
		return errs.Fields{}
	}
	return Problems(r, a)
}

// Draft is what a panel member sends when saving their assessment: the whole draft.
type Draft struct {
	Scores         map[string]int
	Comments       map[string]string
	Recommendation Recommendation
	OverallComment string
}

// check refuses what cannot be stored (criteria the round does not have, a recommendation
// that is none of fund, maybe, decline) and lists, without refusing, what stops submission:
// scores outside their scale and comments over their limit.
func (d Draft) check(r round.Round) (refuse, problems errs.Fields) {
	criteria := map[string]round.Criterion{}
	for _, c := range r.Criteria {
		criteria[c.ID] = c
	}
	for _, id := range slices.Sorted(maps.Keys(d.Scores)) {
		c, ok := criteria[id]
		switch {
		case !ok:
			refuse.Add("scores."+id, "is not a criterion of this round")
		case d.Scores[id] < c.ScaleMin || d.Scores[id] > c.ScaleMax:
			problems.Add("scores."+id, "must be from %d to %d", c.ScaleMin, c.ScaleMax)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(d.Comments)) {
		if _, ok := criteria[id]; !ok {
			refuse.Add("comments."+id, "is not a criterion of this round")
		} else if utf8.RuneCountInString(d.Comments[id]) > MaxCommentLength {
			problems.Add("comments."+id, "must be at most %d characters", MaxCommentLength)
		}
	}
	if d.Recommendation != "" && !d.Recommendation.Valid() {
		refuse.Add("recommendation", "must be one of fund, maybe, decline")
	}
	if utf8.RuneCountInString(d.OverallComment) > MaxCommentLength {
		problems.Add("overall_comment", "must be at most %d characters", MaxCommentLength)
	}
	return refuse, problems
}

// Problems lists what stops a from being submitted against r: every criterion scored within
// its scale, a recommendation, comments within their limits.
func Problems(r round.Round, a Assessment) errs.Fields {
	_, f := Draft{Scores: a.Scores, Comments: a.Comments, Recommendation: a.Recommendation, OverallComment: a.OverallComment}.check(r)
	for _, c := range r.Criteria {
		if _, ok := a.Scores[c.ID]; !ok {
			f.Add("scores."+c.ID, "is required: score %s from %d to %d", c.Title, c.ScaleMin, c.ScaleMax)
		}
	}
	if a.Recommendation == "" {
		f.Add("recommendation", "is required: fund, maybe or decline")
	}
	slices.SortStableFunc(f, func(x, y errs.FieldError) int { return strings.Compare(x.Field, y.Field) })
	return f
}

// Save stores the caller's draft as sent (an assigned, unconflicted panel member; round in
// assessment): what cannot be stored is refused (422); what would stop submission —
// out-of-scale scores, long comments, missing scores or recommendation — is stored anyway
// and returned as problems, so no words are lost. The first save creates
// the assessment (If-Match must then be absent); a submitted one is 409.
func (s *Service) Save(ctx context.Context, actor auth.Actor, applicationID string, d Draft, ifMatch *int64) (Assessment, errs.Fields, error) {
	var out Assessment
	var problems errs.Fields
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		t, r, err := s.scorable(ctx, actor, applicationID)
		if err != nil {
			return err
		}
		existing, ok, err := s.store.Assessment(ctx, t.ID, actor.UserID)
		if err != nil {
			return err
		}
		if ok {
			out, err = s.store.UpdateAssessment(ctx, existing.ID, change.Guard{IfMatch: ifMatch, At: s.now()}, func(a *Assessment) error {
				if _, err := a.Status.Next(ActionSave); err != nil {
					return err
				}
				if err := s.scoringOpen(r, t); err != nil {
					return err
				}
				refuse, _ := d.check(r)
				if err := refuse.Err(errs.Invalid, "the assessment cannot be saved"); err != nil {
					return err
				}
				a.Scores, a.Comments, a.Recommendation, a.OverallComment = d.Scores, d.Comments, d.Recommendation, d.OverallComment
				if a.Scores == nil {
					a.Scores = map[string]int{}
				}
				if a.Comments == nil {
					a.Comments = map[string]string{}
				}
				a.RevisionScored = t.Revision
				return nil
			})
		} else {
			out, err = s.first(ctx, t, r, actor, d, ifMatch)
		}
		if err != nil {
			return err
		}
		problems = problemsOf(r, out)
		return s.events.Publish(ctx, actor, event.AssessmentChange{Kind: event.AssessmentSaved, AssessmentID: out.ID, RoundID: out.RoundID,
			ApplicationID: out.ApplicationID, PanelMemberID: out.PanelMemberID})
	})
	return out, problems, err
}

// first creates the caller's assessment with its first draft.
func (s *Service) first(ctx context.Context, t Target, r round.Round, actor auth.Actor, d Draft, ifMatch *int64) (Assessment, error) {
	if ifMatch != nil {
		return Assessment{}, ErrStale // there is no version to match yet
	}
	if err := s.scoringOpen(r, t); err != nil {
		return Assessment{}, err
	}
	refuse, _ := d.check(r)
	if err := refuse.Err(errs.Invalid, "the assessment cannot be saved"); err != nil {
		return Assessment{}, err
	}
	now := s.now().UTC()
	a := Assessment{ID: ids.New(), RoundID: t.RoundID, ApplicationID: t.ID, PanelMemberID: actor.UserID, Scores: d.Scores,
		Comments: d.Comments, Recommendation: d.Recommendation, OverallComment: d.OverallComment, Status: StatusDraft,
		RevisionScored: t.Revision, Version: 1, CreatedAt: now, UpdatedAt: now}
	if a.Scores == nil {
		a.Scores = map[string]int{}
	}
	if a.Comments == nil {
		a.Comments = map[string]string{}
	}
	return a, s.store.CreateAssessment(ctx, a)
}

// scoringOpen is the deadline of scoring: the round in assessment and the application under
// assessment.
func (s *Service) scoringOpen(r round.Round, t Target) error {
	if r.Status != round.StatusAssessment {
		return ErrNotInAssessment.Withf("the round is %s: scoring is closed", r.Status)
	}
	if t.Status != statusUnderAssessment {
		return ErrNotUnderAssessment
	}
	return nil
}

// Submit submits the caller's assessment: every criterion scored within its scale and a
// recommendation, or 422 listing every problem. It records the application revision
// scored and the scores the ranking reads; a submitted assessment never changes (409).
// With no draft saved yet, the problems are those of an empty assessment.
func (s *Service) Submit(ctx context.Context, actor auth.Actor, applicationID string, ifMatch *int64) (Assessment, error) {
	var out Assessment
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		t, r, err := s.scorable(ctx, actor, applicationID)
		if err != nil {
			return err
		}
		existing, ok, err := s.store.Assessment(ctx, t.ID, actor.UserID)
		if err != nil {
			return err
		}
		if !ok {
			if err := s.scoringOpen(r, t); err != nil {
				return err
			}
			return Problems(r, Assessment{}).Err(errs.Invalid, "the assessment cannot be submitted yet: every problem is listed")
		}
		out, err = s.store.UpdateAssessment(ctx, existing.ID, change.Guard{IfMatch: ifMatch, At: s.now()}, func(a *Assessment) error {
			to, err := a.Status.Next(ActionSubmit)
			if err != nil {
				return err
			}
			if err := s.scoringOpen(r, t); err != nil {
				return err
			}
			if err := Problems(r, *a).Err(errs.Invalid, "the assessment cannot be submitted yet: every problem is listed"); err != nil {
				return err
			}
			now := s.now().UTC()
			a.Status, a.SubmittedAt, a.RevisionScored = to, &now, t.Revision
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.store.AddScores(ctx, scoresOf(r, out)); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.AssessmentChange{Kind: event.AssessmentSubmitted, AssessmentID: out.ID, RoundID: out.RoundID,
			ApplicationID: out.ApplicationID, PanelMemberID: out.PanelMemberID, Recommendation: string(out.Recommendation), RevisionScored: out.RevisionScored})
	})
	return out, err
}

// scoresOf is a submitted assessment's scores with each criterion's weight and scale.
func scoresOf(r round.Round, a Assessment) []Score {
	out := make([]Score, 0, len(r.Criteria))
	for _, c := range r.Criteria {
		out = append(out, Score{AssessmentID: a.ID, RoundID: a.RoundID, ApplicationID: a.ApplicationID, CriterionID: c.ID,
			Score: a.Scores[c.ID], Weight: c.Weight, ScaleMin: c.ScaleMin, ScaleMax: c.ScaleMax})
	}
	return out
}

// List returns a page of an application's assessments as actor may see them: managers all
// (drafts too); an assigned, unconflicted panel member the submitted ones — with blind
// review only once their own is submitted (ErrBlind before) — and other assessors' ids
// are not shown to them; anyone else: not found.
func (s *Service) List(ctx context.Context, actor auth.Actor, applicationID string, p page.Params) ([]Assessment, string, error) {
	t, err := s.target(ctx, applicationID, false)
	if err != nil {
		return nil, "", err
	}
	rel, err := s.relation(ctx, actor, t)
	if err != nil {
		return nil, "", err
	}
	r, err := s.round(ctx, t.RoundID, false)
	if err != nil {
		return nil, "", err
	}
	all, err := AssessmentsVisible(actor, rel, r.BlindAssessment)
	if err != nil {
		return nil, "", err
	}
	list, err := s.store.Assessments(ctx, t.ID, !all, p)
	list, next, err := page.Cut(p, list, err, func(a Assessment) string { return a.ID })
	if err != nil {
		return nil, "", err
	}
	if !all {
		for i := range list {
			if list[i].PanelMemberID != actor.UserID {
				list[i].PanelMemberID = ""
			}
		}
	}
	return list, next, nil
}
