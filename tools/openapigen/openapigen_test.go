package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestContractIsFresh regenerates docs/ and openapi.yaml into a temporary directory with the
// code `make openapi` runs, and fails when the committed files differ.
func TestContractIsFresh(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	docs := filepath.Join(tmp, "docs") // swag names docs.go's package after the directory
	out := filepath.Join(tmp, "openapi.yaml")
	if err := Generate(context.Background(), root, docs, out); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ generated, committed string }{
		{out, filepath.Join(root, "openapi.yaml")},
		{filepath.Join(docs, "swagger.json"), filepath.Join(root, "docs", "swagger.json")},
		{filepath.Join(docs, "swagger.yaml"), filepath.Join(root, "docs", "swagger.yaml")},
		{filepath.Join(docs, "docs.go"), filepath.Join(root, "docs", "docs.go")},
	} {
		want, err := os.ReadFile(f.generated)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f.committed)
		if err != nil {
			t.Fatalf("%v (run `make openapi`)", err)
		}
		if !bytes.Equal(got, want) {
			rel, _ := filepath.Rel(root, f.committed)
			t.Errorf("%s is stale: the annotations say something else; run `make openapi` and commit the result\n%s", rel, firstDiff(got, want))
		}
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "first difference at line " + strconv.Itoa(i+1) + ":\n  committed: " + gl + "\n  generated: " + wl
		}
	}
	return ""
}

const swagger = `{
  "swagger": "2.0",
  "info": {"title": "T", "version": "1", "license": {"name": "MIT"}},
  "basePath": "/",
  "paths": {
    "/v1/things/{id}": {
      "get": {
        "produces": ["application/json"],
        "summary": "a thing",
        "security": [{"BearerAuth": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
        "responses": {
          "200": {"description": "OK", "schema": {"$ref": "#/definitions/Thing"}},
          "404": {"description": "Not Found", "schema": {"$ref": "#/definitions/Problem"}}
        }
      }
    },
    "/healthz": {
      "get": {"produces": ["application/json"], "summary": "alive", "operationId": "health",
        "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Thing"}}}}
    }
  },
  "definitions": {
    "Thing": {"type": "object", "properties": {"id": {"type": "string"}, "next_cursor": {"type": "string"}}},
    "Problem": {"type": "object", "properties": {"type": {"type": "string"}, "title": {"type": "string"},
      "status": {"type": "integer"}, "detail": {"type": "string"}}}
  },
  "securityDefinitions": {"BearerAuth": {"type": "apiKey", "name": "Authorization", "in": "header"}}
}`

// TestConvertConventions checks each convention the converter applies.
func TestConvertConventions(t *testing.T) {
	out, err := Convert([]byte(swagger))
	if err != nil {
		t.Fatal(err)
	}
	again, err := Convert([]byte(swagger))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Fatal("Convert is not deterministic")
	}
	doc, err := openapi3.NewLoader().LoadFromData(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers = %v, want /", doc.Servers)
	}
	op := doc.Paths.Value("/v1/things/{id}").Get
	if r := op.Responses.Status(404).Value; r.Content.Get("application/problem+json") == nil || r.Content.Get("application/json") != nil {
		t.Errorf("404 content types = %v, want only application/problem+json", keys(r.Content))
	}
	if r := op.Responses.Status(200).Value; r.Content.Get("application/json") == nil {
		t.Errorf("200 lost application/json")
	}
	def := op.Responses.Default()
	if def == nil || def.Value.Content.Get("application/problem+json") == nil ||
		def.Value.Content.Get("application/problem+json").Schema.Ref != "#/components/schemas/Problem" {
		t.Errorf("no default Problem response on GET /v1/things/{id}")
	}
	if op.OperationID != "getThingsById" {
		t.Errorf("derived operationId = %q, want getThingsById", op.OperationID)
	}
	health := doc.Paths.Value("/healthz").Get
	if health.OperationID != "health" {
		t.Errorf("an explicit operationId was replaced: %q", health.OperationID)
	}
	if health.Security == nil || len(*health.Security) != 0 {
		t.Errorf("a route without @Security should declare security: [] (public), got %v", health.Security)
	}
	if op.Security == nil || len(*op.Security) != 1 {
		t.Errorf("@Security BearerAuth lost: %v", op.Security)
	}
	if !doc.Components.Schemas["Thing"].Value.Properties["next_cursor"].Value.Nullable {
		t.Error("next_cursor is not nullable")
	}
	if got := doc.Components.Schemas["Problem"].Value.Required; strings.Join(got, ",") != "type,title,status,detail" {
		t.Errorf("Problem required = %v", got)
	}
	if ss := doc.Components.SecuritySchemes["BearerAuth"].Value; ss.Type != "http" || ss.Scheme != "bearer" {
		t.Errorf("BearerAuth = %+v, want http bearer", ss)
	}
	if !strings.HasPrefix(string(out), "# Generated") || !strings.Contains(string(out), "\nopenapi: 3.0.3\n") {
		t.Errorf("unexpected header:\n%s", out[:200])
	}
}

func TestConvertRefusesGarbage(t *testing.T) {
	if _, err := Convert([]byte("{")); err == nil {
		t.Error("Convert accepted broken JSON")
	}
	if _, err := Convert([]byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{}}`)); err == nil {
		t.Error("Convert accepted a document without a Problem schema")
	}
}

func keys(c openapi3.Content) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	return out
}
