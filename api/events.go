package api

import "constellate/internal/event"

// subscribe wires the in-transaction subscribers of the event point, on one screen like the
// route table. Each runs inside the transaction that published its event, after the change
// is written and its audit event recorded, in the order listed here; an error from any of
// them rolls the whole change back. docs/architecture.md lists every event with its
// publisher and subscribers — keep the two in step.
//
// The background-jobs issue adds its subscribers here: one that enqueues notifications and
// webhook deliveries (outbox rows or River jobs) for the events that warrant them, in the
// same transaction, so nothing is sent for a change that rolled back and nothing is lost
// for one that committed.
func subscribe(bus *event.Bus, s Services) {
	// A round's start of assessment moves its submitted applications under assessment.
	bus.Subscribe(event.RoundAssessmentStarted, "application.StartAssessment", s.Applications.StartAssessment)
	// A panel member who leaves a round's panel loses the assignments they have not
	// submitted (drafts discarded); submitted work stays.
	bus.Subscribe(event.RoundPanelChanged, "assessment.LeftPanel", s.Assessments.LeftPanel)
	// Publishing a round's decisions: 1. every decided application moves to awarded or
	// declined and awards are offered (refused while any is undecided); 2. drafts and
	// unanswered requests for more information are closed with a reason.
	bus.Subscribe(event.RoundDecisionsPublished, "award.Publish", s.Awards.Publish)
	bus.Subscribe(event.RoundDecisionsPublished, "application.CloseUnsubmitted", s.Applications.CloseUnsubmitted)
	// A replaced bank account sends approved payments back to scheduled: they must be
	// approved again, after the cooling-off period, against the new account.
	bus.Subscribe(event.BankAccountReplaced, "award.BankChanged", s.Awards.BankChanged)
	bus.Subscribe(event.OrganisationUpdated, "application.OrganisationRenamed", s.Applications.OrganisationRenamed) // a rename refreshes its applications' search text
}
