package store

// RowStructs is every GORM row struct of the package, for the schema test (schema_test.go
// checks by reading the source that none is missing from this list).
var RowStructs = []any{
	userRow{}, auditRow{}, idempotencyRow{},
	clientRow{}, invitationRow{}, refreshFamilyRow{}, refreshTokenRow{},
	organisationRow{}, membershipRow{}, bankAccountRow{}, orgInvitationRow{}, rateLimitRow{},
	programmeRow{}, roundRow{}, panelMemberRow{},
	applicationRow{}, revisionRow{}, historyRow{},
	conflictRow{}, assignmentRow{}, assessmentRow{}, scoreRow{}, moderationRow{},
	decisionRow{}, awardRow{}, paymentRow{},
}
