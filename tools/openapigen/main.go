// Command openapigen regenerates the API contract: it runs swag (v1, Swagger 2.0) over the
// handlers' annotations into docs/, converts docs/swagger.json to OpenAPI 3 with
// kin-openapi's openapi2conv, applies the project's conventions, and writes openapi.yaml at
// the repository root. `make openapi` runs it; its test runs the same code into a temporary
// directory and fails when the committed files are stale.
//
// Conventions applied after conversion:
//   - every 4xx/5xx response is application/problem+json (swag only knows application/json);
//   - every operation has a `default` response, a Problem, for the errors any route can
//     answer (413, 415, 429, 500, 503 …);
//   - a list's next_cursor is nullable (null on the last page, SPEC §2);
//   - the Problem schema requires type, title, status and detail;
//   - servers is `/`;
//   - the output is YAML with sorted keys, byte-for-byte deterministic.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// SwagArgs are the arguments of `go tool swag init` (without -o): general API info in
// api/doc.go, and the packages whose types appear in responses.
var SwagArgs = []string{"init", "-g", "doc.go", "-d", "api,internal", "--parseInternal", "--quiet"}

const problemMedia = "application/problem+json"

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	if err := Generate(context.Background(), *root, filepath.Join(*root, "docs"), filepath.Join(*root, "openapi.yaml")); err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
}

// Generate runs swag in root with its output in docsDir, then writes the OpenAPI 3 contract
// converted from docsDir/swagger.json to out.
func Generate(ctx context.Context, root, docsDir, out string) error {
	absDocs, err := filepath.Abs(docsDir)
	if err != nil {
		return err
	}
	args := append([]string{"tool", "swag"}, SwagArgs...)
	args = append(args, "-o", absDocs)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %v: %v\n%s", args, err, stderr.String())
	}
	v2, err := os.ReadFile(filepath.Join(absDocs, "swagger.json"))
	if err != nil {
		return err
	}
	v3, err := Convert(v2)
	if err != nil {
		return err
	}
	return os.WriteFile(out, v3, 0o644)
}

// Convert turns a Swagger 2.0 document into the project's OpenAPI 3 YAML.
func Convert(swaggerJSON []byte) ([]byte, error) {
	var doc2 openapi2.T
	if err := json.Unmarshal(swaggerJSON, &doc2); err != nil {
		return nil, fmt.Errorf("read swagger.json: %w", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("convert to OpenAPI 3: %w", err)
	}
	if err := conventions(doc); err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the converted contract is not valid OpenAPI 3: %w", err)
	}
	return toYAML(doc)
}

func conventions(doc *openapi3.T) error {
	doc.Servers = openapi3.Servers{{URL: "/"}}
	// swag v1 can only say "apiKey in the Authorization header"; OpenAPI 3 can say bearer.
	if ss := doc.Components.SecuritySchemes["BearerAuth"]; ss != nil && ss.Value != nil {
		ss.Value.Type, ss.Value.Scheme, ss.Value.BearerFormat = "http", "bearer", "JWT"
		ss.Value.In, ss.Value.Name = "", ""
	}
	if doc.Components == nil || doc.Components.Schemas["Problem"] == nil {
		return fmt.Errorf("no Problem schema: annotate at least one @Failure with {object} Problem")
	}
	problem := doc.Components.Schemas["Problem"].Value
	problem.Required = []string{"type", "title", "status", "detail"}
	problem.Description = "An RFC 9457 problem document: the body of every error response."
	// SPEC §2: lists answer {"data": [...], "next_cursor": "…" | null}.
	for _, ref := range doc.Components.Schemas {
		if ref.Value != nil && ref.Value.Properties["next_cursor"] != nil && ref.Value.Properties["next_cursor"].Value != nil {
			ref.Value.Properties["next_cursor"].Value.Nullable = true
		}
		// A nullable object property comes out as allOf [$ref] + nullable, which OpenAPI 3.0
		// only allows with a type beside it.
		if ref.Value != nil {
			for _, prop := range ref.Value.Properties {
				if v := prop.Value; v != nil && v.Nullable && len(v.AllOf) > 0 && v.Type == nil {
					v.Type = &openapi3.Types{openapi3.TypeObject}
				}
			}
		}
	}
	problemRef := &openapi3.SchemaRef{Ref: "#/components/schemas/Problem", Value: problem}

	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		for method, op := range doc.Paths.Value(p).Operations() {
			if op.OperationID == "" {
				op.OperationID = operationID(method, p)
			}
			// No @Security annotation means a public route: say so explicitly (the route
			// table test checks this against each route's access policy).
			if op.Security == nil {
				op.Security = &openapi3.SecurityRequirements{}
			}
			if op.Responses == nil {
				op.Responses = openapi3.NewResponses()
			}
			for code, r := range op.Responses.Map() {
				n, err := strconv.Atoi(code)
				if err != nil || r.Value == nil {
					continue
				}
				if n < 400 {
					// swag gives every produced media type the JSON schema; text bodies
					// (the plain-text form, CSV exports) are strings.
					for _, text := range []string{"text/plain", "text/csv"} {
						if mt := r.Value.Content.Get(text); mt != nil && mt.Schema != nil && mt.Schema.Ref != "" {
							mt.Schema = openapi3.NewStringSchema().NewRef()
						}
					}
					continue
				}
				if mt := r.Value.Content.Get("application/json"); mt != nil {
					delete(r.Value.Content, "application/json")
					r.Value.Content[problemMedia] = mt
				}
			}
			desc := "Any other error, as a problem document: for example 413 (body over 1 MiB), 415 (not JSON), 429 (rate limited), 500, 503 (unavailable; see Retry-After)."
			op.Responses.Set("default", &openapi3.ResponseRef{Value: &openapi3.Response{
				Description: &desc,
				Content:     openapi3.Content{problemMedia: &openapi3.MediaType{Schema: problemRef}},
			}})
		}
	}
	return nil
}

// operationID derives an id for an operation without an @ID annotation from its method and
// path: GET /v1/rounds/{id}/applications → getRoundsByIdApplications.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || seg == "v1" {
			continue
		}
		if strings.HasPrefix(seg, "{") {
			b.WriteString("By")
			seg = strings.Trim(seg, "{}")
		}
		for _, word := range strings.FieldsFunc(seg, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return b.String()
}

// toYAML writes doc with sorted keys and two-space indentation.
func toYAML(doc *openapi3.T) ([]byte, error) {
	j, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(numbers(v)); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return append([]byte("# Generated by `make openapi` (tools/openapigen) from the swag annotations. DO NOT EDIT.\n"), buf.Bytes()...), nil
}

// numbers turns json.Number into int64 or float64 so YAML writes them as numbers.
func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	}
	return v
}
