package main

import (
	"testing"
	"time"
)

func TestDurationFormats(t *testing.T) {
	cases := map[string]struct {
		reason string
		fn     func(time.Duration) string
		in     time.Duration
		want   string
	}{
		"Hours":        {reason: "whole hours as written", fn: fmtDuration, in: 72 * time.Hour, want: "72h"},
		"HoursMinutes": {reason: "hours and minutes", fn: fmtDuration, in: 90 * time.Minute, want: "1h30m"},
		"Minutes":      {reason: "minutes", fn: fmtDuration, in: 15 * time.Minute, want: "15m"},
		"Seconds":      {reason: "seconds stay", fn: fmtDuration, in: 90 * time.Second, want: "1m30s"},
		"Zero":         {reason: "zero stays readable", fn: fmtDuration, in: 0, want: "0s"},
		"DaysAndHours": {reason: "coverage in days and hours", fn: days, in: 30 * time.Hour, want: "1d 6h"},
		"WholeDays":    {reason: "whole days", fn: days, in: 19 * 24 * time.Hour, want: "19d"},
		"UnderADay":    {reason: "under a day in hours", fn: days, in: 5*time.Hour + 59*time.Minute, want: "5h"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.fn(tc.in); got != tc.want {
				t.Errorf("%s\nformat(%s): want %q, got %q", tc.reason, tc.in, tc.want, got)
			}
		})
	}
}
