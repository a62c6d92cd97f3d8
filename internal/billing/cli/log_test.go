package cli

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLogFormat(t *testing.T) {
	cases := map[string]struct {
		reason string
		format string
		debug  bool
		// check fails the test unless line is the one line logged.
		check func(t *testing.T, line string)
	}{
		"Text": {
			reason: "Text logs are key=value pairs led by a timestamp.",
			format: "text",
			check: func(t *testing.T, line string) {
				t.Helper()
				re := regexp.MustCompile(`^"ts"="([^"]+)" "level"=0 "msg"="Read file" "uri"="a\.csv" "rows"=9$`)
				m := re.FindStringSubmatch(line)
				if m == nil {
					t.Fatalf("got %q, want it to match %s", line, re)
				}
				if _, err := time.Parse(time.RFC3339Nano, m[1]); err != nil {
					t.Errorf("timestamp %q: %v", m[1], err)
				}
			},
		},
		"JSON": {
			reason: "JSON logs are one object a line, with an RFC 3339 timestamp under ts.",
			format: "json",
			check: func(t *testing.T, line string) {
				t.Helper()
				var got map[string]any
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatalf("%q is not a JSON object: %v", line, err)
				}
				ts, _ := got["ts"].(string)
				if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
					t.Errorf("ts %q: %v", ts, err)
				}
				if got["msg"] != "Read file" || got["uri"] != "a.csv" || got["rows"] != float64(9) {
					t.Errorf("got %v, want msg, uri and rows logged", got)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var w bytes.Buffer
			o := &Options{LogFormat: tc.format, Stderr: &w}
			log := o.logger()
			log.Info("Read file", "uri", "a.csv", "rows", 9)
			log.V(1).Info("Not logged without --debug")
			lines := strings.Split(strings.TrimSpace(w.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("%s\nlogged %d lines, want 1:\n%s", tc.reason, len(lines), w.String())
			}
			tc.check(t, lines[0])
		})
	}
}
