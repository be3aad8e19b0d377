package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"constellate/api/apitest"
	"constellate/internal/config"
	"constellate/internal/ids"
	"constellate/internal/opendata/opendatatest"
)

const funderPrefix = "360G-example"

// withPrefix configures the funder's 360Giving prefix.
func withPrefix(c *config.Config) { c.FunderPrefix = funderPrefix }

// exportWorld is an assessWorld whose groups are a registered charity that did not consent
// to publish its led_by (Hillside), a company (Canary), and an unregistered group in Wales
// that did (Riverside), every one carrying contact details that must never be published;
// the round schedules a final report a year after the award; all three are awarded and the
// decisions published on 15 April 2025.
type exportWorld struct {
	*assessWorld
	orgIDs []string          // by application
	awards map[string]string // award id by application id
}

// personal is what the groups hold that open data must never carry.
var personal = []string{"LS6 1AA", "CF10 1AA", "volunteer@example.org", "hello@canary.example", "https://hillside.example",
	"We are a peer-led group in Leeds.", "CANARY-CONDITIONS", "CANARY-FEEDBACK"}

func newExportWorld(t *testing.T, env *apitest.Env) *exportWorld {
	t.Helper()
	w := &exportWorld{assessWorld: newAssessWorld(t, env), awards: map[string]string{}}
	for _, app := range w.apps {
		w.orgIDs = append(w.orgIDs, env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + app,
			Token: w.manager.Token}).Map(t)["organisation_id"].(string))
	}
	patch := func(u apitest.User, org string, body map[string]any) {
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/organisations/" + org, Token: u.Token, Body: body})
	}
	patch(w.owners[0], w.orgIDs[0], map[string]any{"legal_form": "charity", "charity_number": "1123456", "postcode": "LS6 1AA",
		"contact_email": "volunteer@example.org", "website": "https://hillside.example", "publish_led_by": false})
	patch(w.owners[1], w.orgIDs[1], map[string]any{"legal_form": "company_limited_by_guarantee", "company_number": "6368740",
		"contact_email": "hello@canary.example"})
	patch(w.owners[2], w.orgIDs[2], map[string]any{"region": "wales", "postcode": "CF10 1AA", "publish_led_by": true,
		"led_by": []string{"lgbtq_people", "older_people", "people_experiencing_economic_disadvantage", "working_class_people"}})
	env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/rounds/" + w.roundID, Token: w.manager.Token,
		Body: map[string]any{"report_schedule": []any{map[string]any{"kind": "interim", "due_after_days": 90},
			map[string]any{"kind": "final", "due_after_days": 365}}}})
	for i, amount := range []int{250000, 123455, 200005} {
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[i] + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "award", "amount": amount, "conditions": "CANARY-CONDITIONS", "feedback": "CANARY-FEEDBACK"}})
	}
	return w
}

// publish publishes the round's decisions on 15 April 2025 and records the award ids.
func (w *exportWorld) publish(t *testing.T) {
	t.Helper()
	w.travel(t, time.Date(2025, 4, 15, 10, 0, 0, 0, time.UTC))
	w.refresh(t)
	w.env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/publish-decisions", Token: w.manager.Token})
	list := w.env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/awards?round_id=" + w.roundID, Token: w.manager.Token}).Map(t)["data"].([]any)
	for _, a := range list {
		w.awards[a.(map[string]any)["application_id"].(string)] = a.(map[string]any)["id"].(string)
	}
	if len(w.awards) != 3 {
		t.Fatalf("awards %v", list)
	}
}

func (w *exportWorld) export(t *testing.T, u string, accept string, want int) *apitest.Response {
	t.Helper()
	h := map[string]string{}
	if accept != "" {
		h["Accept"] = accept
	}
	return w.env.Expect(t, want, apitest.Req{Method: "GET", Path: "/v1/exports/360giving?round_id=" + w.roundID, Token: u, Header: h})
}

// grantsOf decodes a package keeping numbers as written.
func grantsOf(t *testing.T, body []byte) (map[string]any, map[string]map[string]any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var pkg map[string]any
	if err := dec.Decode(&pkg); err != nil {
		t.Fatalf("package %s: %v", body, err)
	}
	byID := map[string]map[string]any{}
	for _, g := range pkg["grants"].([]any) {
		byID[g.(map[string]any)["id"].(string)] = g.(map[string]any)
	}
	return pkg, byID
}

// TestExport360Giving walks SPEC §10's open data end to end on both databases: refused before
// publication, then a package valid against the 360Giving schema (with the DEI extension) for
// grants managers and finance — ids, org-ids, amounts, dates, programme, location, and
// leadership only with consent, nothing personal — the same as CSV with formulas guarded,
// declined and withdrawn awards left out, and 409 once nothing is left.
func TestExport360Giving(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newExportWorld(t, env)
		ref := func(i int) string {
			return env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + w.apps[i], Token: w.manager.Token}).Map(t)["reference"].(string)
		}
		refs := []string{ref(0), ref(1), ref(2)}

		// Input: round_id required and a UUID; an unknown round is 404; decisions not published yet is 409.
		for _, q := range []string{"", "?round_id=", "?round_id=nope"} {
			p := env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/exports/360giving" + q, Token: w.manager.Token}).Map(t)
			if errsList, _ := p["errors"].([]any); len(errsList) != 1 || errsList[0].(map[string]any)["field"] != "round_id" {
				t.Fatalf("%q: %v", q, p)
			}
		}
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/exports/360giving?round_id=" + ids.New(), Token: w.finance.Token})
		early := w.export(t, w.manager.Token, "", http.StatusConflict).Map(t)
		if !strings.Contains(early["detail"].(string), "not published") {
			t.Fatalf("before publication: %v", early)
		}

		w.publish(t)
		financeClient := env.MachineClient(t, w.manager.Token, "open data publisher")
		var body []byte
		for _, tok := range []string{w.manager.Token, w.finance.Token, financeClient} {
			r := w.export(t, tok, "", http.StatusOK)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("content type %q", ct)
			}
			if body != nil && !bytes.Equal(body, r.Body) {
				t.Fatalf("finance and managers get different packages:\n%s\n%s", body, r.Body)
			}
			body = r.Body
		}
		opendatatest.Validate(t, body)
		pkg, grants := grantsOf(t, body)
		if len(grants) != 3 || pkg["version"] != "1.4" || jsonOf(pkg["extensions"]) != `["dei"]` {
			t.Fatalf("package: %s", body)
		}
		id := func(i int) string { return funderPrefix + "-" + refs[i] }
		hill, canary, river := grants[id(0)], grants[id(1)], grants[id(2)]
		if hill == nil || canary == nil || river == nil {
			t.Fatalf("grant ids are not the prefix and the references %v: %s", refs, body)
		}
		for i, c := range []struct {
			g                     map[string]any
			amount, org, location string
		}{
			{hill, "2500", `[{"charityNumber":"1123456","id":"GB-CHC-1123456","name":"Hillside Peer Support"}]`,
				`[{"countryCode":"GB","geoCode":"E12000003","geoCodeType":"RGN/GOR","name":"Yorkshire and The Humber"}]`},
			{canary, "1234.55", `[{"companyNumber":"06368740","id":"GB-COH-06368740","name":"Canary Collective CANARY-7731"}]`,
				`[{"countryCode":"GB","geoCode":"E12000007","geoCodeType":"RGN/GOR","name":"London"}]`},
			{river, "2000.05", `[{"id":"` + funderPrefix + `-ORG-` + w.orgIDs[2] + `","name":"Riverside Voices"}]`,
				`[{"countryCode":"GB","geoCode":"W92000004","geoCodeType":"CTRY","name":"Wales"}]`},
		} {
			g := c.g
			if got := g["amountAwarded"].(json.Number).String(); got != c.amount {
				t.Errorf("grant %d: amountAwarded %s, want %s", i, got, c.amount)
			}
			if got := jsonOf(g["recipientOrganization"]); got != c.org {
				t.Errorf("grant %d: recipientOrganization %s, want %s", i, got, c.org)
			}
			if got := jsonOf(g["beneficiaryLocation"]); got != c.location {
				t.Errorf("grant %d: beneficiaryLocation %s, want %s", i, got, c.location)
			}
			if g["currency"] != "GBP" || g["awardDate"] != "2025-04-15" || g["fromOpenCall"] != "Yes" ||
				jsonOf(g["plannedDates"]) != `[{"endDate":"2026-04-15","startDate":"2025-04-15"}]` ||
				jsonOf(g["fundingOrganization"]) != `[{"id":"360G-example","name":"360G-example"}]` ||
				jsonOf(g["grantProgramme"]) != `[{"title":"Side by Side Fund"}]` {
				t.Errorf("grant %d: %s", i, jsonOf(g))
			}
		}
		if hill["title"] != "Peer support cafés" || hill["description"] != "Weekly cafés run by members." || canary["title"] != "=cmd|' /C calc'!A0" {
			t.Errorf("titles and descriptions: %s", body)
		}
		// Leadership only with consent: Hillside named disabled_people but did not agree.
		if _, ok := hill["deiDetails"]; ok {
			t.Errorf("Hillside's led_by was published without its consent: %s", jsonOf(hill))
		}
		if _, ok := canary["deiDetails"]; ok {
			t.Errorf("Canary has deiDetails: %s", jsonOf(canary))
		}
		wantDEI := `{"leadership":{"askedStatus":"AS200","availableOptions":["AO100","AO101","AO102"],"replyStatus":"RS200",` +
			`"response":{"taxonomyCodes":["DEI040000","DEI060000","DEI080000"]}},"mission":{"askedStatus":"AS100"},"project":{"askedStatus":"AS100"}}`
		if got := jsonOf(river["deiDetails"]); got != wantDEI {
			t.Errorf("Riverside's deiDetails %s, want %s", got, wantDEI)
		}
		// Nothing personal.
		leaks := append(append([]string{}, personal...), "DEI020000", "postalCode", w.owners[0].Email, w.owners[1].Email, w.owners[2].Email)
		for _, s := range leaks {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("the package carries %q: %s", s, body)
			}
		}

		// CSV: the same grants, 360Giving's column titles, formulas guarded.
		r := w.export(t, w.finance.Token, "text/csv", http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("CSV content type %q", ct)
		}
		recs, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
		if err != nil || len(recs) != 4 {
			t.Fatalf("CSV (%v): %s", err, r.Body)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		for _, h := range []string{"Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date", "Planned Dates:Start Date",
			"Recipient Org:Identifier", "Recipient Org:Name", "Recipient Org:Charity Number", "Recipient Org:Company Number",
			"Funding Org:Identifier", "Funding Org:Name", "Grant Programme:Title", "Beneficiary Location:Name",
			"DEI Details:Leadership:DEI Response:Taxonomy Codes"} {
			if _, ok := col[h]; !ok {
				t.Errorf("the CSV has no column %q: %v", h, recs[0])
			}
		}
		rows := map[string][]string{}
		for _, rec := range recs[1:] {
			rows[rec[col["Identifier"]]] = rec
		}
		if c := rows[id(1)]; c == nil || c[col["Title"]] != "'=cmd|' /C calc'!A0" || c[col["Amount Awarded"]] != "1234.55" ||
			c[col["Recipient Org:Identifier"]] != "GB-COH-06368740" || c[col["Recipient Org:Company Number"]] != "06368740" {
			t.Errorf("Canary's CSV row %v", c)
		}
		if h := rows[id(0)]; h == nil || h[col["Recipient Org:Identifier"]] != "GB-CHC-1123456" || h[col["Amount Awarded"]] != "2500" ||
			h[col["Award Date"]] != "2025-04-15" || h[col["Beneficiary Location:Name"]] != "Yorkshire and The Humber" ||
			h[col["Grant Programme:Title"]] != "Side by Side Fund" || h[col["DEI Details:Leadership:DEI Response:Taxonomy Codes"]] != "" {
			t.Errorf("Hillside's CSV row %v", h)
		}
		if rv := rows[id(2)]; rv == nil || rv[col["DEI Details:Leadership:DEI Response:Taxonomy Codes"]] != "DEI040000;DEI060000;DEI080000" ||
			rv[col["Amount Awarded"]] != "2000.05" {
			t.Errorf("Riverside's CSV row %v", rv)
		}
		for _, s := range leaks {
			if bytes.Contains(r.Body, []byte(s)) {
				t.Errorf("the CSV carries %q", s)
			}
		}

		// A withdrawn award and a declined offer are not published.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/awards/" + w.awards[w.apps[0]] + "/withdraw", Token: w.manager.Token,
			Body: map[string]any{"reason": "The group has closed."}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/awards/" + w.awards[w.apps[1]] + "/decline", Token: w.owners[1].Token,
			Body: map[string]any{"reason": "We found other funding."}})
		after := w.export(t, w.finance.Token, "", http.StatusOK).Body
		opendatatest.Validate(t, after)
		if _, left := grantsOf(t, after); len(left) != 1 || left[id(2)] == nil {
			t.Fatalf("after a withdrawal and a decline: %s", after)
		}
		csvAfter := w.export(t, w.manager.Token, "text/csv", http.StatusOK).Body
		if bytes.Contains(csvAfter, []byte(id(0))) || bytes.Contains(csvAfter, []byte(id(1))) || !bytes.Contains(csvAfter, []byte(id(2))) {
			t.Errorf("CSV after a withdrawal and a decline: %s", csvAfter)
		}

		// Nothing left to publish: 409, said plainly (a package holds at least one grant).
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/awards/" + w.awards[w.apps[2]] + "/withdraw", Token: w.manager.Token,
			Body: map[string]any{"reason": "The project cannot go ahead."}})
		for _, accept := range []string{"", "text/csv"} {
			p := w.export(t, w.manager.Token, accept, http.StatusConflict).Map(t)
			if !strings.Contains(p["detail"].(string), "no awards to publish") {
				t.Errorf("nothing left (%q): %v", accept, p)
			}
		}
	}, withPrefix)
}

// TestExport360GivingNeedsPrefix: without CONSTELLATE_FUNDER_PREFIX the export is refused
// with a 409 that says what to set, for JSON and CSV alike.
func TestExport360GivingNeedsPrefix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newExportWorld(t, env)
		w.publish(t)
		for _, accept := range []string{"", "text/csv"} {
			p := w.export(t, w.finance.Token, accept, http.StatusConflict).Map(t)
			if !strings.Contains(p["detail"].(string), "CONSTELLATE_FUNDER_PREFIX") || !strings.Contains(p["detail"].(string), "360G-") {
				t.Errorf("without a prefix (%q): %v", accept, p)
			}
		}
	})
}

// exportMatrix: the 360Giving export is for grants managers and finance (people and machine
// clients); applicants and panel members are refused whatever the round.
func exportMatrix(t *testing.T, env *apitest.Env) apitest.Matrix {
	w := newExportWorld(t, env)
	w.publish(t)
	path := "/v1/exports/360giving?round_id="
	// The round is decided, so its panel is fixed: p1 sits on it (w.cast would add someone).
	cast := apitest.Cast{
		apitest.Owner: w.owner.Token, apitest.Member: w.member.Token, apitest.OtherApplicant: w.stranger.Token,
		apitest.PanelOnRound: w.p1.Token, apitest.PanelOffRound: w.panel.Token, apitest.GrantsManager: w.manager.Token,
		apitest.FinanceUser: w.finance.Token, apitest.FinanceClient: env.MachineClient(t, w.manager.Token, "matrix open data"),
	}
	return apitest.Matrix{
		Cast: cast,
		// Columns: anonymous, owner, member, other_applicant, panel_on_round, panel_off_round, grants_manager, finance, finance_client.
		Rows: []apitest.Row{
			{Route: "GET /v1/exports/360giving", Path: path + w.roundID, Want: []int{401, 403, 403, 403, 403, 403, 200, 200, 200}},
			{Route: "GET /v1/exports/360giving", Name: "as CSV", Path: path + w.roundID, Header: map[string]string{"Accept": "text/csv"},
				Want: []int{401, 403, 403, 403, 403, 403, 200, 200, 200}},
			{Route: "GET /v1/exports/360giving", Name: "unknown round", Path: path + ids.New(), Want: []int{401, 403, 403, 403, 403, 403, 404, 404, 404}},
		},
		Canaries: []apitest.Canary{{Text: "CANARY-CONDITIONS"}, {Text: "CANARY-FEEDBACK"}, {Text: "volunteer@example.org"}, {Text: "LS6 1AA"}},
	}
}

func TestExportAccessMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) { exportMatrix(t, env).Run(t, env) }, withPrefix)
}
