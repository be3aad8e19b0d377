package api

import (
	"context"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	swaggerfiles "github.com/swaggo/files/v2"

	"constellate"
	"constellate/internal/errs"
)

// Health is the body of /healthz and /readyz.
type Health struct {
	Status string `json:"status" example:"ok"`
} // @name Health

// healthz godoc
//
//	@Summary	Liveness: the process is up
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	Health
//	@Router		/healthz [get]
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, Health{Status: "ok"})
}

// readyz godoc
//
//	@Summary	Readiness: the database answers and the server is not draining
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	Health
//	@Failure	503	{object}	Problem
//	@Router		/readyz [get]
func (s *Server) readyz(c echo.Context) error {
	if s.draining.Load() {
		retryAfter(c, 5*time.Second)
		return c.JSON(http.StatusServiceUnavailable, problemOf(c, http.StatusServiceUnavailable, "unavailable", "the server is shutting down"))
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), time.Second) // a load balancer needs the answer fast
	defer cancel()
	if s.DB == nil || s.DB.Ping(ctx) != nil {
		retryAfter(c, 5*time.Second)
		return c.JSON(http.StatusServiceUnavailable, problemOf(c, http.StatusServiceUnavailable, "unavailable", "the database is not reachable"))
	}
	return c.JSON(http.StatusOK, Health{Status: "ready"})
}

func problemOf(c echo.Context, status int, code, detail string) Problem {
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	return Problem{Type: problemBase + code, Title: http.StatusText(status), Status: status, Detail: detail,
		Instance: c.Request().URL.Path, RequestID: requestID(c)}
}

// metricsHandler godoc
//
//	@Summary	Prometheus metrics: requests by route, method and status; latency; database pool
//	@Tags		operations
//	@Produce	plain
//	@Success	200	{string}	string
//	@Router		/metrics [get]
func (s *Server) metricsHandler(c echo.Context) error { return s.metrics.handler()(c) }

// openapiYAML godoc
//
//	@Summary	This API's OpenAPI 3 contract
//	@Tags		operations
//	@Produce	application/yaml
//	@Success	200	{object}	object	"the OpenAPI 3 document"
//	@Router		/openapi.yaml [get]
func (s *Server) openapiYAML(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", constellate.OpenAPI)
}

// docsPage serves interactive documentation (Swagger UI, embedded in the binary) for
// /openapi.yaml. Nothing is fetched from elsewhere at run time.
func (s *Server) docsPage(c echo.Context) error {
	return c.HTML(http.StatusOK, docsHTML)
}

func (s *Server) docsInit(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/javascript", []byte(docsInitJS))
}

var docsAssets = func() http.Handler {
	sub, _ := fs.Sub(swaggerfiles.FS, ".")
	return http.StripPrefix("/docs/", http.FileServer(http.FS(sub)))
}()

func (s *Server) docsAsset(c echo.Context) error {
	// /docs/ is where a browser (or a newcomer typing the address) looks for the docs page.
	if c.Request().URL.Path == "/docs/" {
		to := "/docs"
		if q := c.Request().URL.RawQuery; q != "" {
			to += "?" + q
		}
		return c.Redirect(http.StatusMovedPermanently, to)
	}
	// Only files that exist go to the file server, so a miss is a problem document too.
	name := path.Clean(strings.TrimPrefix(c.Request().URL.Path, "/docs/"))
	if st, err := fs.Stat(swaggerfiles.FS, name); err != nil || st.IsDir() || !fs.ValidPath(name) {
		return errs.E(errs.NotFound, "no such resource")
	}
	docsAssets.ServeHTTP(c.Response(), c.Request())
	return nil
}

const docsHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Constellate API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script></body></html>`

const docsInitJS = `window.onload = function () {
  window.ui = SwaggerUIBundle({url: "/openapi.yaml", dom_id: "#swagger-ui", deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});
};`
