package synth

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWrite(t *testing.T) {
	cases := map[string]struct {
		reason string
		c      Config
		header string
	}{
		"FOCUS": {reason: "A FOCUS export starts with the FOCUS header.", c: Config{Format: FOCUS, Bytes: 64 << 10, Seed: 1}, header: strings.Join(focusHeader, ",")},
		"CUR":   {reason: "A CUR export starts with the CUR 2.0 header.", c: Config{Format: CUR, Bytes: 64 << 10, Seed: 1}, header: strings.Join(curHeader, ",")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var a, b bytes.Buffer
			st, err := Write(&a, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Write(&b, tc.c); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("\n%s\nWrite(...): the same seed must give the same bytes", tc.reason)
			}
			lines := strings.Split(strings.TrimSuffix(a.String(), "\n"), "\n")
			if diff := cmp.Diff(tc.header, lines[0]); diff != "" {
				t.Errorf("\n%s\nWrite(...): -want header, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff([]int64{int64(a.Len()), int64(len(lines) - 1)}, []int64{st.Bytes, st.Rows}); diff != "" {
				t.Errorf("\n%s\nWrite(...): -want bytes and rows, +got stats:\n%s", tc.reason, diff)
			}
			if st.Bytes < tc.c.Bytes || st.Bytes > tc.c.Bytes+4096 {
				t.Errorf("\n%s\nWrite(...): want about %d bytes, got %d", tc.reason, tc.c.Bytes, st.Bytes)
			}
		})
	}
}

func TestMoney(t *testing.T) {
	cases := map[int64]string{0: "0", 1: "0.0000000001", 15000000000: "1.5", -25000000000: "-2.5", 123456789012: "12.3456789012"}
	for units, want := range cases {
		if diff := cmp.Diff(want, string(money(nil, units))); diff != "" {
			t.Errorf("money(%d): -want, +got:\n%s", units, diff)
		}
	}
}
