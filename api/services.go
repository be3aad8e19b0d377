package api

import (
	"constellate/internal/application"
	"constellate/internal/assessment"
	"constellate/internal/award"
	"constellate/internal/identity"
	"constellate/internal/organisation"
	"constellate/internal/round"
)

// Services are the capabilities' services the handlers call. Each capability adds its field
// here as it lands; handlers never reach the store directly.
type Services struct {
	Identity *identity.Service
	// Organisations is applicant groups, their members and bank accounts (SPEC §4).
	Organisations *organisation.Service
	// Rounds is programmes and funding rounds (SPEC §5).
	Rounds *round.Service
	// Applications is applications to rounds and round stats (SPEC §6, §5 stats).
	Applications *application.Service
	// Assessments is conflicts, assignments, scoring, ranking and moderation (SPEC §7).
	Assessments *assessment.Service
	// Awards is decisions, awards, payments and the finance sync (SPEC §8).
	Awards *award.Service
}
