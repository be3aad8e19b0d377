// Package api is Constellate's HTTP transport: the Echo server, middleware, the route table
// with an access policy per route, one file per resource, request and response types, the
// swag annotations that generate openapi.yaml, and the one mapping from errors to RFC 9457
// problem documents. It holds no SQL and no business rules: handlers parse, validate the
// shape, call a service with the actor, and respond.
//
//	@title						Constellate API
//	@version					1.0
//	@description				Grants programme management for funders of grassroots, user-led groups: programmes, funding rounds, applications, assessment, awards, payments and light-touch monitoring. Errors are RFC 9457 problem documents (application/problem+json). Lists are keyset-paginated with an opaque cursor.
//	@license.name				AGPL-3.0-or-later
//	@license.url				https://www.gnu.org/licenses/agpl-3.0.html
//	@BasePath					/
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				An access token from /v1/auth/login or /v1/auth/token, sent as "Bearer <token>".
package api
