package cli

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzAppendIndent checks appendIndent against json.Indent on every valid
// JSON text, compacted as json.Marshal writes it.
func FuzzAppendIndent(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":[]}`, `{"a":{},"b":[1,2,{"c":null}]}`, `"x"`, `[[],[[]],{}]`,
		`{"s":"a\"b\\\\","t":"{[,:]}","u":"\u2028\u003c"}`, `[-1.5e+10,true,false,null]`,
		`{"records":[{"space":"team-a","rows":3,"resourceIds":["i-1","i-2"]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		var src bytes.Buffer
		if err := json.Compact(&src, in); err != nil {
			t.Fatal(err)
		}
		for _, p := range [][2]string{{"", "  "}, {"    ", "  "}, {">", "\t"}} {
			var want bytes.Buffer
			if err := json.Indent(&want, src.Bytes(), p[0], p[1]); err != nil {
				t.Fatal(err)
			}
			got := appendIndent([]byte("head"), src.Bytes(), p[0], p[1])
			if diff := cmp.Diff("head"+want.String(), string(got)); diff != "" {
				t.Errorf("appendIndent(%q, %q, %q): -json.Indent, +got:\n%s", src.Bytes(), p[0], p[1], diff)
			}
		}
	})
}
