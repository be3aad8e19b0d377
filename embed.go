// Package constellate holds the files the binary embeds from the repository root: the
// generated OpenAPI 3 contract served at /openapi.yaml and used by the contract tests.
package constellate

import _ "embed"

// OpenAPI is openapi.yaml, generated from the handlers' annotations by `make openapi`.
//
//go:embed openapi.yaml
var OpenAPI []byte
