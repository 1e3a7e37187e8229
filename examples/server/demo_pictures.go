package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// demoPicturePath is where the reference server serves the demo users'
// pictures: generated SVG, so that the demo needs no network and no
// files.
const demoPicturePath = "/demo/pictures/"

// demoPictures serves GET /demo/pictures/{n}.svg: a coloured disc, the
// same for the same n.
func demoPictures() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, demoPicturePath), ".svg")
		n, err := strconv.Atoi(name)
		if !ok || err != nil || n < 0 || r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.NotFound(w, r)
			return
		}
		hue := (n * 47) % 360
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">`+
			`<circle cx="64" cy="64" r="64" fill="hsl(%d,55%%,55%%)"/><circle cx="64" cy="50" r="22" fill="#fff" opacity=".85"/>`+
			`<path d="M24 112c6-24 22-36 40-36s34 12 40 36" fill="#fff" opacity=".85"/></svg>`, hue)
	})
}
