package api

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// httpMethods are the operation keys of an OpenAPI path item.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// loadOpenAPI parses openapi.json as generic JSON.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// documentedOperations returns "METHOD /path" for every operation of doc,
// and the operations themselves by that key.
func documentedOperations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal(`openapi.json has no "paths" object`)
	}
	ops := map[string]map[string]any{}
	for path, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Errorf("path %s: not an object", path)
			continue
		}
		for _, m := range httpMethods {
			if raw, ok := item[m]; ok {
				op, ok := raw.(map[string]any)
				if !ok {
					t.Errorf("%s %s: operation is not an object", strings.ToUpper(m), path)
					continue
				}
				ops[strings.ToUpper(m)+" "+path] = op
			}
		}
	}
	return ops
}

// routeKey turns a ServeMux pattern into the "METHOD /path" form of the
// document: "{name...}" becomes "{name}" and a trailing "{$}" goes.
func routeKey(pattern string) string {
	pattern = strings.TrimSuffix(pattern, "{$}")
	return strings.ReplaceAll(pattern, "...}", "}")
}

// diffRoutes returns the routes the document lacks and the documented
// operations no route serves, both sorted.
func diffRoutes(routes []string, documented map[string]map[string]any) (missing, extra []string) {
	served := map[string]bool{}
	for _, r := range routes {
		k := routeKey(r)
		served[k] = true
		if documented[k] == nil {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return missing, extra
}

// newRoutesOnly is an API with its routes bound and nothing behind
// them, for tests that only read the route table.
func newRoutesOnly() *API {
	a := &API{}
	rt := &router{a: a, mux: http.NewServeMux()}
	a.bind(rt)
	a.routes = rt.routes
	return a
}

func servedRoutes() []string {
	var routes []string
	for _, r := range newRoutesOnly().Routes() {
		routes = append(routes, r.Pattern)
	}
	return routes
}

// TestOpenAPIMatchesRoutes keeps openapi.json and the routes in step: the
// same "METHOD /path" pairs both ways, an OpenAPI 3.1 document whose
// operations all have a summary, a description and responses, whose path
// parameters are declared, whose security requirements name declared
// schemes and whose every $ref resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := documentedOperations(t, doc)
	routes := servedRoutes()

	missing, extra := diffRoutes(routes, ops)
	for _, k := range missing {
		t.Errorf("route %q is not in openapi.json", k)
	}
	for _, k := range extra {
		t.Errorf("openapi.json documents %q, which no route serves", k)
	}
	if len(routes) == 0 || len(ops) == 0 {
		t.Fatalf("nothing to compare: %d routes, %d documented operations", len(routes), len(ops))
	}

	t.Run("version", func(t *testing.T) {
		v, _ := doc["openapi"].(string)
		if !strings.HasPrefix(v, "3.1.") {
			t.Errorf(`"openapi" is %q, want 3.1.x`, v)
		}
		info, _ := doc["info"].(map[string]any)
		if title, _ := info["title"].(string); title == "" {
			t.Error("info.title is missing")
		}
		if version, _ := info["version"].(string); version == "" {
			t.Error("info.version is missing")
		}
	})

	t.Run("operations", func(t *testing.T) {
		schemes, _ := dig(doc, "components", "securitySchemes").(map[string]any)
		opIDs := map[string]string{}
		for _, k := range sortedKeys(ops) {
			op := ops[k]
			if s, _ := op["summary"].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s: no summary", k)
			}
			if s, _ := op["description"].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s: no description", k)
			}
			if rs, _ := op["responses"].(map[string]any); len(rs) == 0 {
				t.Errorf("%s: no responses", k)
			}
			if id, _ := op["operationId"].(string); id != "" {
				if other, dup := opIDs[id]; dup {
					t.Errorf("%s: operationId %q is used by %s too", k, id, other)
				}
				opIDs[id] = k
			}
			sec, ok := op["security"].([]any)
			if !ok {
				t.Errorf("%s: no security (use [] for a public route)", k)
			}
			for _, req := range sec {
				m, _ := req.(map[string]any)
				for name := range m {
					if schemes[name] == nil {
						t.Errorf("%s: security scheme %q is not in components.securitySchemes", k, name)
					}
				}
			}
		}
	})

	t.Run("path parameters", func(t *testing.T) {
		paths, _ := doc["paths"].(map[string]any)
		template := regexp.MustCompile(`\{([^}]+)\}`)
		for _, k := range sortedKeys(ops) {
			method, path, _ := strings.Cut(k, " ")
			var want []string
			for _, m := range template.FindAllStringSubmatch(path, -1) {
				want = append(want, m[1])
			}
			item, _ := paths[path].(map[string]any)
			declared := map[string]bool{}
			for _, list := range []any{item["parameters"], ops[k]["parameters"]} {
				ps, _ := list.([]any)
				for _, p := range ps {
					pm, _ := p.(map[string]any)
					if ref, ok := pm["$ref"].(string); ok {
						pm, _ = resolveRef(doc, ref).(map[string]any)
					}
					if pm["in"] != "path" {
						continue
					}
					name, _ := pm["name"].(string)
					if req, _ := pm["required"].(bool); !req {
						t.Errorf("%s %s: path parameter %q must be required", method, path, name)
					}
					declared[name] = true
				}
			}
			for _, name := range want {
				if !declared[name] {
					t.Errorf("%s %s: path parameter {%s} is not declared", method, path, name)
				}
				delete(declared, name)
			}
			for name := range declared {
				t.Errorf("%s %s: declares path parameter %q that the path does not have", method, path, name)
			}
		}
	})

	t.Run("refs", func(t *testing.T) {
		n := 0
		walkRefs(doc, "#", func(at, ref string) {
			n++
			if !strings.HasPrefix(ref, "#/components/") {
				t.Errorf("%s: $ref %q does not point into #/components/", at, ref)
				return
			}
			if resolveRef(doc, ref) == nil {
				t.Errorf("%s: $ref %q does not resolve", at, ref)
			}
		})
		if n == 0 {
			t.Error("no $ref at all: the shared components are not used")
		}
	})

	// The comparison must notice a path deleted from the document: drop
	// each documented path in turn and check that its routes show up as
	// missing.
	t.Run("detects a deleted path", func(t *testing.T) {
		for _, k := range sortedKeys(ops) {
			if slices.Contains(extra, k) {
				continue // not a route: reported above
			}
			without := map[string]map[string]any{}
			for k2, op := range ops {
				if k2 != k {
					without[k2] = op
				}
			}
			missing, _ := diffRoutes(routes, without)
			if !slices.Contains(missing, k) {
				t.Errorf("deleting %s from the document goes unnoticed", k)
			}
		}
	})
}

// dig follows keys through nested objects; nil when one is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// resolveRef resolves a local JSON pointer ("#/components/schemas/User");
// nil when it does not resolve.
func resolveRef(doc map[string]any, ref string) any {
	ptr, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var keys []string
	for _, tok := range strings.Split(ptr, "/") {
		keys = append(keys, strings.NewReplacer("~1", "/", "~0", "~").Replace(tok))
	}
	return dig(doc, keys...)
}

// walkRefs calls fn for every "$ref" string in v, with where it is.
func walkRefs(v any, at string, fn func(at, ref string)) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if k == "$ref" {
				if s, ok := x[k].(string); ok {
					fn(at, s)
					continue
				}
			}
			walkRefs(x[k], at+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), fn)
		}
	case []any:
		for i, e := range x {
			walkRefs(e, at+"/"+strconv.Itoa(i), fn)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sentCodes collects every problem code the package's source can send:
// the string values of "code" fields in composite literals (the problem
// table and badRequest values) and the codes writeError assigns itself.
func sentCodes(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok && id.Name == "code" {
					if lit, ok := n.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						codes[strings.Trim(lit.Value, `"`)] = fset.Position(lit.Pos()).String()
					}
				}
			case *ast.CompositeLit:
				// Rows of the statusOf table: {err, status, "code"}.
				if len(n.Elts) == 3 {
					if lit, ok := n.Elts[2].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						codes[strings.Trim(lit.Value, `"`)] = fset.Position(lit.Pos()).String()
					}
				}
			case *ast.AssignStmt:
				// p.Status, p.Code, ... = ..., "code", ...
				for i, lhs := range n.Lhs {
					sel, ok := lhs.(*ast.SelectorExpr)
					if !ok || sel.Sel.Name != "Code" || i >= len(n.Rhs) {
						continue
					}
					if lit, ok := n.Rhs[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						codes[strings.Trim(lit.Value, `"`)] = fset.Position(lit.Pos()).String()
					}
				}
			}
			return true
		})
	}
	return codes
}

// TestOpenAPIListsEveryProblemCode: the Problem schema's code enum is
// exactly the set of codes the server can send.
func TestOpenAPIListsEveryProblemCode(t *testing.T) {
	doc := loadOpenAPI(t)
	enum, _ := dig(doc, "components", "schemas", "Problem", "properties", "code", "enum").([]any)
	documented := map[string]bool{}
	for _, c := range enum {
		documented[c.(string)] = true
	}
	sent := sentCodes(t)
	if len(sent) < 10 {
		t.Fatalf("found only %d codes in the source: the scan is broken", len(sent))
	}
	for code, at := range sent {
		if !documented[code] {
			t.Errorf("problem code %q (%s) is not in the Problem schema's enum", code, at)
		}
	}
	for code := range documented {
		if _, ok := sent[code]; !ok {
			t.Errorf("the Problem schema lists %q, which the server never sends", code)
		}
	}
}
