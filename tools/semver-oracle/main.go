// semver-oracle answers semver questions with the real Go libraries Flux links
// (Masterminds/semver v3.5.0, fluxcd/pkg/version), so the TypeScript port can be
// checked case by case. It reads one JSON case per line on stdin and writes one
// JSON answer per line on stdout:
//
//	{"version":"v1.2"}                      -> NewVersion and fluxcd ParseVersion
//	{"constraint":">=1","version":"1.2.3"}  -> NewConstraint + Check
//	{"constraint":">=1"}                    -> NewConstraint only
//	{"tags":[...],"constraint":"...","filter":"...","helm":true}
//	                                        -> source-controller getTagBySemver
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/fluxcd/pkg/version"
)

type request struct {
	Version    *string  `json:"version"`
	Constraint *string  `json:"constraint"`
	Tags       []string `json:"tags"`
	Filter     string   `json:"filter"`
	Helm       bool     `json:"helm"`
}

type answer struct {
	OK         bool   `json:"ok"`
	Err        string `json:"err,omitempty"`
	String     string `json:"string,omitempty"`
	FluxOK     bool   `json:"fluxOk,omitempty"`
	Match      bool   `json:"match,omitempty"`
	Tag        string `json:"tag,omitempty"`
	FilterErr  bool   `json:"filterErr,omitempty"`
	Constraint string `json:"constraintErr,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "semver-oracle: bad input line:", err)
			os.Exit(2)
		}
		_ = enc.Encode(answerFor(req))
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "semver-oracle:", err)
		os.Exit(2)
	}
}

func answerFor(req request) answer {
	switch {
	case req.Tags != nil:
		return selectTag(req)
	case req.Constraint != nil:
		c, err := semver.NewConstraint(*req.Constraint)
		if err != nil {
			return answer{Constraint: err.Error()}
		}
		if req.Version == nil {
			return answer{OK: true}
		}
		v, err := semver.NewVersion(*req.Version)
		if err != nil {
			return answer{Err: err.Error()}
		}
		return answer{OK: true, Match: c.Check(v)}
	case req.Version != nil:
		v, err := semver.NewVersion(*req.Version)
		_, ferr := version.ParseVersion(*req.Version)
		if err != nil {
			return answer{Err: err.Error(), FluxOK: ferr == nil}
		}
		return answer{OK: true, String: v.String(), FluxOK: ferr == nil}
	}
	return answer{Err: "empty case"}
}

// selectTag mirrors source-controller's filterTags + getTagBySemver
// (internal/controller/ocirepository_controller.go, v1.9.x), minus the registry.
func selectTag(req request) answer {
	tags := req.Tags
	if req.Filter != "" {
		re, err := regexp.Compile(req.Filter)
		if err != nil {
			return answer{FilterErr: true, Err: err.Error()}
		}
		kept := []string{}
		for _, t := range tags {
			if re.MatchString(t) {
				kept = append(kept, t)
			}
		}
		tags = kept
	}
	exp := ""
	if req.Constraint != nil {
		exp = *req.Constraint
	}
	c, err := semver.NewConstraint(exp)
	if err != nil {
		return answer{Constraint: fmt.Sprintf("semver '%s' parse error: %s", exp, err)}
	}
	var matching []*semver.Version
	for _, t := range tags {
		if req.Helm {
			t = strings.ReplaceAll(t, "_", "+")
		}
		v, err := version.ParseVersion(t)
		if err != nil {
			continue
		}
		if c.Check(v) {
			matching = append(matching, v)
		}
	}
	if len(matching) == 0 {
		return answer{Err: fmt.Sprintf("no match found for semver: %s", exp)}
	}
	sort.Sort(sort.Reverse(semver.Collection(matching)))
	tag := matching[0].Original()
	if req.Helm {
		tag = strings.ReplaceAll(tag, "+", "_")
	}
	return answer{OK: true, Tag: tag}
}
