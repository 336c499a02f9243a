// sourceignore-oracle answers, for cases read as JSON on stdin, whether Flux's own matcher
// (fluxcd/pkg/sourceignore, the version source-controller v1.9.4 links) excludes each path,
// matched the way source-controller matches Bucket keys (bucket_controller.go fetchEtagIndex):
// patterns read with ReadPatterns, key split at "/", isDir false.
//
// Input:  [{"patterns": "text of the ignore rules", "paths": ["a/b.yaml", ...]}, ...]
// Output: [[true, false, ...], ...]
package main

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/fluxcd/pkg/sourceignore"
)

type testCase struct {
	Patterns string   `json:"patterns"`
	Paths    []string `json:"paths"`
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(2)
	}
	out := make([][]bool, len(cases))
	for i, c := range cases {
		matcher := sourceignore.NewMatcher(sourceignore.ReadPatterns(strings.NewReader(c.Patterns), nil))
		out[i] = make([]bool, len(c.Paths))
		for j, p := range c.Paths {
			out[i][j] = matcher.Match(strings.Split(p, "/"), false)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}
