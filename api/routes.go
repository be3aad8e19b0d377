package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
)

// route is one line of the route table.
type route struct {
	Method  string
	Path    string
	Access  access
	Handler echo.HandlerFunc
	// NotInContract marks routes deliberately absent from openapi.yaml (the docs assets).
	NotInContract bool
}

// Role shorthands for the table.
const (
	applicant = auth.RoleApplicant
	panel     = auth.RolePanelMember
	manager   = auth.RoleGrantsManager
	finance   = auth.RoleFinance
)

// routes is the whole API on one screen: method, path, who may call it, handler. Nothing is
// registered any other way.
func (s *Server) routes() []route {
	get, post, put, patch, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	return []route{
		// Operations.
		{Method: get, Path: "/healthz", Access: public, Handler: s.healthz},
		{Method: get, Path: "/readyz", Access: public, Handler: s.readyz},
		{Method: get, Path: "/metrics", Access: public, Handler: s.metricsHandler},
		{Method: get, Path: "/openapi.yaml", Access: public, Handler: s.openapiYAML},
		{Method: get, Path: "/docs", Access: public, Handler: s.docsPage, NotInContract: true},
		{Method: get, Path: "/docs/init.js", Access: public, Handler: s.docsInit, NotInContract: true},
		{Method: get, Path: "/docs/*", Access: public, Handler: s.docsAsset, NotInContract: true},

		// Audit.
		{Method: get, Path: "/v1/audit-events", Access: roles(manager), Handler: s.listAuditEvents},

		// Identity.
		{Method: get, Path: "/.well-known/jwks.json", Access: public, Handler: s.jwks},
		{Method: post, Path: "/v1/auth/register", Access: public, Handler: s.register},
		{Method: post, Path: "/v1/auth/login", Access: public, Handler: s.login},
		{Method: get, Path: "/v1/me", Access: authenticated, Handler: s.me},
		{Method: post, Path: "/v1/auth/refresh", Access: public, Handler: s.refresh},
		{Method: post, Path: "/v1/auth/logout", Access: public, Handler: s.logout},
		{Method: post, Path: "/v1/auth/logout-all", Access: authenticated, Handler: s.logoutAll},
		{Method: post, Path: "/v1/auth/password", Access: authenticated, Handler: s.changePassword},
		{Method: post, Path: "/v1/auth/token", Access: public, Handler: s.clientToken},
		{Method: post, Path: "/v1/clients", Access: roles(manager), Handler: s.createClient},
		{Method: get, Path: "/v1/clients", Access: roles(manager), Handler: s.listClients},
		{Method: del, Path: "/v1/clients/:id", Access: roles(manager), Handler: s.deleteClient},
		{Method: post, Path: "/v1/invitations", Access: roles(manager), Handler: s.createInvitation},
		{Method: post, Path: "/v1/invitations/accept", Access: public, Handler: s.acceptInvitation},

		// Organisations (applicant groups, members, bank accounts). Object-level rules live
		// in internal/organisation/policy.go.
		{Method: post, Path: "/v1/organisations", Access: roles(applicant), Handler: s.createOrganisation},
		{Method: get, Path: "/v1/organisations", Access: roles(applicant, manager, finance), Handler: s.listOrganisations},
		{Method: get, Path: "/v1/organisations/:id", Access: roles(applicant, manager, finance), Handler: s.getOrganisation},
		{Method: patch, Path: "/v1/organisations/:id", Access: roles(applicant), Handler: s.patchOrganisation},
		{Method: get, Path: "/v1/organisations/:id/members", Access: roles(applicant, manager), Handler: s.listMembers},
		{Method: post, Path: "/v1/organisations/:id/members", Access: roles(manager), Handler: s.addMember}, // groups grow by invitation
		{Method: del, Path: "/v1/organisations/:id/members/:user_id", Access: roles(applicant), Handler: s.removeMember},
		{Method: put, Path: "/v1/organisations/:id/bank-account", Access: roles(applicant), Handler: s.putBankAccount},
		{Method: get, Path: "/v1/organisations/:id/bank-account", Access: authenticated, Handler: s.getBankAccount},
		{Method: post, Path: "/v1/organisations/:id/invitations", Access: roles(applicant), Handler: s.createOrganisationInvitation},
		{Method: get, Path: "/v1/organisations/:id/invitations", Access: roles(applicant), Handler: s.listOrganisationInvitations},
		{Method: del, Path: "/v1/organisations/:id/invitations/:invitation_id", Access: roles(applicant), Handler: s.revokeOrganisationInvitation},
		{Method: get, Path: "/v1/me/invitations", Access: roles(applicant), Handler: s.listMyInvitations},
		{Method: post, Path: "/v1/me/invitations/:id/accept", Access: roles(applicant), Handler: s.acceptMyInvitation},

		// Programmes and rounds (SPEC §5). Object-level rules: internal/round/policy.go.
		{Method: get, Path: "/v1/programmes", Access: roles(manager), Handler: s.listProgrammes},
		{Method: post, Path: "/v1/programmes", Access: roles(manager), Handler: s.createProgramme},
		{Method: get, Path: "/v1/programmes/:id", Access: roles(manager), Handler: s.getProgramme},
		{Method: patch, Path: "/v1/programmes/:id", Access: roles(manager), Handler: s.patchProgramme},
		{Method: post, Path: "/v1/programmes/:id/rounds", Access: roles(manager), Handler: s.createRound},
		{Method: get, Path: "/v1/rounds", Access: public, Handler: s.listRounds},
		{Method: get, Path: "/v1/rounds/:id", Access: public, Handler: s.getRound},
		{Method: patch, Path: "/v1/rounds/:id", Access: roles(manager), Handler: s.patchRound},
		{Method: post, Path: "/v1/rounds/:id/open", Access: roles(manager), Handler: s.openRound},
		{Method: post, Path: "/v1/rounds/:id/close", Access: roles(manager), Handler: s.closeRound},
		{Method: post, Path: "/v1/rounds/:id/start-assessment", Access: roles(manager), Handler: s.startAssessment},
		{Method: post, Path: "/v1/rounds/:id/publish-decisions", Access: roles(manager), Handler: s.publishDecisions},
		{Method: post, Path: "/v1/rounds/:id/archive", Access: roles(manager), Handler: s.archiveRound},
		{Method: post, Path: "/v1/rounds/:id/eligibility-check", Access: public, Handler: s.eligibilityCheck},
		{Method: get, Path: "/v1/rounds/:id/form", Access: public, Handler: s.roundForm},
		{Method: get, Path: "/v1/rounds/:id/panel", Access: roles(manager), Handler: s.getPanel},
		{Method: put, Path: "/v1/rounds/:id/panel", Access: roles(manager), Handler: s.putPanel},

		// Applications (SPEC §6) and round stats. Object-level rules: internal/application/policy.go.
		{Method: post, Path: "/v1/rounds/:id/applications", Access: roles(applicant), Handler: s.createApplication},
		{Method: get, Path: "/v1/rounds/:id/stats", Access: roles(manager), Handler: s.roundStats},
		{Method: get, Path: "/v1/applications", Access: roles(applicant, panel, manager), Handler: s.listApplications},
		{Method: get, Path: "/v1/applications/:id", Access: roles(applicant, panel, manager), Handler: s.getApplication},
		{Method: patch, Path: "/v1/applications/:id", Access: roles(applicant), Handler: s.patchApplication},
		{Method: post, Path: "/v1/applications/:id/submit", Access: roles(applicant), Handler: s.submitApplication},
		{Method: post, Path: "/v1/applications/:id/withdraw", Access: roles(applicant), Handler: s.withdrawApplication},
		{Method: post, Path: "/v1/applications/:id/request-info", Access: roles(manager), Handler: s.requestInfo},
		{Method: post, Path: "/v1/applications/:id/mark-ineligible", Access: roles(manager), Handler: s.markIneligible},
		{Method: get, Path: "/v1/applications/:id/history", Access: roles(applicant, manager), Handler: s.applicationHistory},
		{Method: get, Path: "/v1/applications/:id/revisions", Access: roles(applicant, panel, manager), Handler: s.applicationRevisions},
		{Method: get, Path: "/v1/applications/:id/revisions/:n/diff", Access: roles(applicant, panel, manager), Handler: s.revisionDiff},
		{Method: get, Path: "/v1/applications/:id/problems", Access: roles(applicant, manager), Handler: s.applicationProblems},
		{Method: post, Path: "/v1/applications/:id/reinstate", Access: roles(manager), Handler: s.reinstateApplication},

		// Assessment (SPEC §7). Object-level rules: internal/assessment/policy.go. The
		// assessment routes are open to every signed-in role so that applicants and finance
		// get 404 (nothing about assessments exists for them), not 403.
		{Method: get, Path: "/v1/rounds/:id/conflicts", Access: roles(panel, manager), Handler: s.listConflicts},
		{Method: put, Path: "/v1/rounds/:id/conflicts", Access: roles(panel), Handler: s.declareConflicts},
		{Method: post, Path: "/v1/rounds/:id/assignments/auto", Access: roles(manager), Handler: s.autoAssign},
		{Method: get, Path: "/v1/rounds/:id/ranking", Access: roles(manager), Handler: s.getRanking},
		{Method: get, Path: "/v1/assignments", Access: roles(panel, manager), Handler: s.listAssignments},
		{Method: post, Path: "/v1/assignments", Access: roles(manager), Handler: s.createAssignment},
		{Method: del, Path: "/v1/assignments/:id", Access: roles(manager), Handler: s.deleteAssignment},
		{Method: get, Path: "/v1/applications/:id/assessment", Access: authenticated, Handler: s.getAssessment},
		{Method: put, Path: "/v1/applications/:id/assessment", Access: authenticated, Handler: s.putAssessment},
		{Method: post, Path: "/v1/applications/:id/assessment/submit", Access: authenticated, Handler: s.submitAssessment},
		{Method: get, Path: "/v1/applications/:id/assessments", Access: authenticated, Handler: s.listAssessments},
		{Method: post, Path: "/v1/applications/:id/moderation", Access: roles(manager), Handler: s.setModeration},

		// Decisions, awards and payments (SPEC §8). Object-level rules: internal/award.
		{Method: post, Path: "/v1/applications/:id/decision", Access: roles(manager), Handler: s.decide},
		{Method: get, Path: "/v1/applications/:id/decision", Access: authenticated, Handler: s.getDecision},
		{Method: get, Path: "/v1/rounds/:id/decisions", Access: roles(manager), Handler: s.listDecisions},
		{Method: get, Path: "/v1/awards", Access: roles(applicant, manager, finance), Handler: s.listAwards},
		{Method: get, Path: "/v1/awards/:id", Access: roles(applicant, manager, finance), Handler: s.getAward},
		{Method: post, Path: "/v1/awards/:id/accept", Access: roles(applicant), Handler: s.acceptAward},
		{Method: post, Path: "/v1/awards/:id/decline", Access: roles(applicant), Handler: s.declineAward},
		{Method: post, Path: "/v1/awards/:id/withdraw", Access: roles(manager), Handler: s.withdrawAward},
		{Method: get, Path: "/v1/awards/:id/agreement", Access: roles(applicant, manager, finance), Handler: s.awardAgreement},
		{Method: get, Path: "/v1/awards/:id/payments", Access: roles(applicant, manager, finance), Handler: s.awardPayments},
		{Method: put, Path: "/v1/awards/:id/payments", Access: roles(manager), Handler: s.putPayments},
		{Method: get, Path: "/v1/payments", Access: roles(manager, finance), Handler: s.listPayments},
		{Method: post, Path: "/v1/payments/:id/approve", Access: roles(manager), Handler: s.approvePayment},
		{Method: post, Path: "/v1/payments/:id/mark-paid", Access: roles(finance), Handler: s.markPaid},

		// Open data (SPEC §10).
		{Method: get, Path: "/v1/exports/360giving", Access: roles(manager, finance), Handler: s.export360Giving},
	}
}
