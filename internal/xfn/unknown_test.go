package xfn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUnknownFields(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type spec struct {
		Name  string  `json:"name"`
		Inner inner   `json:"inner"`
		List  []inner `json:"list"`
	}
	cases := map[string]struct {
		reason string
		json   string
		skip   []string
		want   []string
	}{
		"Known":   {"Every field is the type's.", `{"name":"x","inner":{"a":"b"},"list":[{"a":"c"}]}`, nil, nil},
		"Unknown": {"Unknown fields at any depth, sorted.", `{"zeta":1,"inner":{"a":"b","b":2},"list":[{"a":"c","x":true}]}`, nil, []string{"inner.b", "list[0].x", "zeta"}},
		"Skipped": {"Fields Crossplane adds are left out.", `{"name":"x","compositionRef":{"name":"c"},"resourceRefs":[]}`, []string{"compositionRef", "resourceRefs"}, nil},
		"Typo":    {"A misspelt field is unknown.", `{"nane":"x"}`, nil, []string{"nane"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := UnknownFields(mustStruct(t, tc.json), &spec{}, tc.skip...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nUnknownFields(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
