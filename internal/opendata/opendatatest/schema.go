// Package opendatatest checks 360Giving output against the standard's own schemas, offline:
// the package and grant schemas (version 1.4.3) with the DEI extension applied, and the
// extension's closed codelists. The schemas are third-party data (CC BY 4.0) in
// internal/opendata/testdata; see its README.md. Tests only.
package opendatatest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The URLs the schemas are published at. The 1.4.3 package schema refers to the grant
// schema by its 1.4.2 URL; the grant schema it means is the one beside it.
const (
	packageURL = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-package-schema.json"
	grantRef   = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json"
)

var (
	once      sync.Once
	compiled  *jsonschema.Schema
	codelists map[string]map[string]bool
	loadErr   error
)

// Dir is internal/opendata/testdata.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

func load() {
	dir := Dir()
	read := func(name string) (any, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		return jsonschema.UnmarshalJSON(bytes.NewReader(b))
	}
	pkg, err := read("360-giving-package-schema.json")
	if err != nil {
		loadErr = err
		return
	}
	grant, err := read("360-giving-schema.json")
	if err != nil {
		loadErr = err
		return
	}
	ext, err := read("dei/360-giving-schema.json")
	if err != nil {
		loadErr = err
		return
	}
	// The Data Quality Checker applies an extension as a JSON merge patch (RFC 7386) on the
	// grant schema. The extension's own "$schema" (draft-04) is left out so that the merged
	// schema stays the standard's 2020-12: the extension's keywords mean the same in both.
	delete(ext.(map[string]any), "$schema")
	grant = mergePatch(grant, ext)
	// Registered under the URL the package schema refers to, without its own $id (1.4.3), so
	// the reference resolves to this copy and nothing is fetched.
	delete(grant.(map[string]any), "$id")
	c := jsonschema.NewCompiler()
	c.AssertFormat() // awardDate is oneOf date-time | YYYY-MM-DD: formats must be asserted
	c.UseLoader(offline{})
	if err := c.AddResource(grantRef, grant); err != nil {
		loadErr = err
		return
	}
	if err := c.AddResource(packageURL, pkg); err != nil {
		loadErr = err
		return
	}
	if compiled, err = c.Compile(packageURL); err != nil {
		loadErr = err
		return
	}
	codelists = map[string]map[string]bool{}
	for _, name := range []string{"askedStatus", "replyStatus", "availableOptions", "taxonomyCodes"} {
		f, err := os.Open(filepath.Join(dir, "dei", name+".csv"))
		if err != nil {
			loadErr = err
			return
		}
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		recs, err := r.ReadAll()
		_ = f.Close()
		if err != nil {
			loadErr = fmt.Errorf("%s.csv: %w", name, err)
			return
		}
		codelists[name] = map[string]bool{}
		for _, rec := range recs[1:] {
			codelists[name][strings.TrimSpace(rec[0])] = true
		}
	}
}

// offline refuses every URL: all the schemas are added as resources.
type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, fmt.Errorf("opendatatest: %s would be fetched from the network", url)
}

// mergePatch applies an RFC 7386 merge patch.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// Problems lists what makes body not a valid 360Giving package (with the DEI extension):
// schema errors, then codes outside the extension's closed codelists. None means valid.
func Problems(body []byte) ([]string, error) {
	once.Do(load)
	if loadErr != nil {
		return nil, loadErr
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return []string{"not JSON: " + err.Error()}, nil
	}
	var out []string
	if err := compiled.Validate(doc); err != nil {
		out = append(out, fmt.Sprintf("%v", err))
	}
	var pkg struct {
		Grants []struct {
			ID         string `json:"id"`
			DEIDetails map[string]struct {
				AskedStatus      string   `json:"askedStatus"`
				ReplyStatus      string   `json:"replyStatus"`
				AvailableOptions []string `json:"availableOptions"`
				Response         *struct {
					TaxonomyCodes []string `json:"taxonomyCodes"`
				} `json:"response"`
			} `json:"deiDetails"`
		} `json:"grants"`
		Extensions []string `json:"extensions"`
	}
	if err := json.Unmarshal(body, &pkg); err != nil {
		return append(out, "unexpected shape: "+err.Error()), nil
	}
	check := func(grant, area, list, code string) {
		if code != "" && !codelists[list][code] {
			out = append(out, fmt.Sprintf("grant %s: deiDetails.%s: %q is not in the %s codelist", grant, area, code, list))
		}
	}
	dei := false
	for _, g := range pkg.Grants {
		areas := make([]string, 0, len(g.DEIDetails))
		for a := range g.DEIDetails {
			areas = append(areas, a)
		}
		sort.Strings(areas)
		for _, a := range areas {
			d := g.DEIDetails[a]
			dei = true
			check(g.ID, a, "askedStatus", d.AskedStatus)
			check(g.ID, a, "replyStatus", d.ReplyStatus)
			for _, o := range d.AvailableOptions {
				check(g.ID, a, "availableOptions", o)
			}
			if d.Response != nil {
				for _, c := range d.Response.TaxonomyCodes {
					check(g.ID, a, "taxonomyCodes", c)
				}
			}
		}
	}
	if dei && !contains(pkg.Extensions, "dei") {
		out = append(out, `deiDetails are used but the package does not declare the "dei" extension`)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Validate fails t unless body is a valid 360Giving package.
func Validate(t testing.TB, body []byte) {
	t.Helper()
	problems, err := Problems(body)
	if err != nil {
		t.Fatalf("opendatatest: load the schemas: %v", err)
	}
	for _, p := range problems {
		t.Errorf("not a valid 360Giving package: %s", p)
	}
	if len(problems) > 0 {
		t.Logf("the package: %s", body)
	}
}
