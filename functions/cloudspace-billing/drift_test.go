package main

import (
	"testing"
	"time"
)

func TestDrift(t *testing.T) {
	const day = 24 * time.Hour
	type args struct {
		billed, monthly string
		covered, period time.Duration
	}
	type want struct {
		pct      string
		expected string
		ok       bool
	}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"OnEstimate": {
			reason: "half of a 30 day month at half the estimate is no drift",
			args:   args{billed: "150", monthly: "300", covered: 15 * day, period: 30 * day},
			want:   want{pct: "0", expected: "150", ok: true},
		},
		"Above": {
			reason: "200 billed where 150 was expected is a third over",
			args:   args{billed: "200", monthly: "300", covered: 15 * day, period: 30 * day},
			want:   want{pct: "33.333333333333", expected: "150", ok: true},
		},
		"Below": {
			reason: "75 billed where 150 was expected is half under",
			args:   args{billed: "75", monthly: "300", covered: 15 * day, period: 30 * day},
			want:   want{pct: "-50", expected: "150", ok: true},
		},
		"ThirtyOneDayMonth": {
			reason: "10 of October's 31 days expect 10/31 of the estimate",
			args:   args{billed: "100", monthly: "310", covered: 10 * day, period: 31 * day},
			want:   want{pct: "0", expected: "100", ok: true},
		},
		"LeapFebruary": {
			reason: "February 2028 prorates over 29 days",
			args:   args{billed: "100", monthly: "290", covered: 10 * day, period: 29 * day},
			want:   want{pct: "0", expected: "100", ok: true},
		},
		"CommonFebruary": {
			reason: "the same spend in February 2027 (28 days) is above the prorated estimate",
			args:   args{billed: "100", monthly: "290", covered: 10 * day, period: 28 * day},
			want:   want{pct: "-3.448275862069", expected: "103.571428571429", ok: true},
		},
		"PartialDay": {
			reason: "coverage is prorated to the second, not to whole days",
			args:   args{billed: "12.5", monthly: "300", covered: 30 * time.Hour, period: 30 * day},
			want:   want{pct: "0", expected: "12.5", ok: true},
		},
		"NoEstimate": {
			reason: "a zero estimate has no drift",
			args:   args{billed: "10", monthly: "0", covered: 15 * day, period: 30 * day},
			want:   want{pct: "0", expected: "0", ok: false},
		},
		"NothingCovered": {
			reason: "no coverage, no drift",
			args:   args{billed: "10", monthly: "300", covered: 0, period: 30 * day},
			want:   want{pct: "0", expected: "0", ok: false},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pct, ok := Drift(dec(tc.args.billed), dec(tc.args.monthly), tc.args.covered, tc.args.period)
			expected := Prorate(dec(tc.args.monthly), tc.args.covered, tc.args.period)
			if ok != tc.want.ok || !pct.Equal(dec(tc.want.pct)) || !expected.Equal(dec(tc.want.expected)) {
				t.Errorf("%s\nDrift(...): want %s%% of %s expected (%t), got %s%% of %s (%t)", tc.reason, tc.want.pct, tc.want.expected, tc.want.ok, pct, expected, ok)
			}
		})
	}
}

func TestJudgeDrift(t *testing.T) {
	cases := map[string]struct {
		reason         string
		pct, tolerance string
		want           DriftState
	}{
		"Within":          {reason: "10% is within 25%", pct: "10", tolerance: "25", want: DriftWithinTolerance},
		"AtToleranceIsIn": {reason: "exactly the tolerance is within it", pct: "25", tolerance: "25", want: DriftWithinTolerance},
		"Above":           {reason: "over the tolerance above", pct: "25.000000000001", tolerance: "25", want: DriftAbove},
		"Below":           {reason: "over the tolerance below", pct: "-40", tolerance: "25", want: DriftBelow},
		"ZeroTolerance":   {reason: "zero tolerance flags any drift", pct: "0.000000000001", tolerance: "0", want: DriftAbove},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := JudgeDrift(dec(tc.pct), dec(tc.tolerance)); got != tc.want {
				t.Errorf("%s\nJudgeDrift(%s, %s): want %d, got %d", tc.reason, tc.pct, tc.tolerance, tc.want, got)
			}
		})
	}
}
