package quantity

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// strings renders a in the API's form, for comparisons.
func strs(a Amounts) v1alpha1.QuotaAmounts { return *a.API() }

func mustParse(t *testing.T, a v1alpha1.QuotaAmounts) Amounts {
	t.Helper()
	out, err := Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParse(t *testing.T) {
	type want struct {
		amounts v1alpha1.QuotaAmounts
		err     string
	}
	cases := map[string]struct {
		reason string
		in     v1alpha1.QuotaAmounts
		want   want
	}{
		"BinaryAndDecimalSuffixes": {
			reason: "Binary (Gi, Ti) and decimal (m, k, M, G) suffixes parse and keep their form.",
			in:     v1alpha1.QuotaAmounts{CPU: "500m", Memory: "8Gi", Storage: "1Ti", GPU: "2", Pods: "1k", LoadBalancers: "3"},
			want:   want{amounts: v1alpha1.QuotaAmounts{CPU: "500m", Memory: "8Gi", Storage: "1Ti", GPU: "2", Pods: "1k", LoadBalancers: "3"}},
		},
		"EmptyIsZero": {
			reason: "A dimension left out is zero.",
			in:     v1alpha1.QuotaAmounts{CPU: "4"},
			want:   want{amounts: v1alpha1.QuotaAmounts{CPU: "4", Memory: "0", Storage: "0", GPU: "0", Pods: "0", LoadBalancers: "0"}},
		},
		"ExplicitZero": {
			reason: "An explicit zero quota is zero, not unlimited.",
			in:     v1alpha1.QuotaAmounts{CPU: "0", Memory: "0Gi", GPU: "0"},
			want:   want{amounts: v1alpha1.QuotaAmounts{CPU: "0", Memory: "0", Storage: "0", GPU: "0", Pods: "0", LoadBalancers: "0"}},
		},
		"Exponent": {
			reason: "Exponent notation parses and keeps its form.",
			in:     v1alpha1.QuotaAmounts{Memory: "1e9"},
			want:   want{amounts: v1alpha1.QuotaAmounts{CPU: "0", Memory: "1e9", Storage: "0", GPU: "0", Pods: "0", LoadBalancers: "0"}},
		},
		"EveryBadDimensionNamed": {
			reason: "Malformed and negative dimensions are all named in one error.",
			in:     v1alpha1.QuotaAmounts{CPU: "four", Memory: "-1Gi", GPU: "1"},
			want:   want{err: `cpu "four", memory "-1Gi": must be non-negative Kubernetes quantities such as 500m, 4 or 8Gi`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.want.err != "" {
				if err == nil || err.Error() != tc.want.err {
					t.Fatalf("%s\nParse(...): want error %q, got %v", tc.reason, tc.want.err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nParse(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.amounts, strs(got)); diff != "" {
				t.Errorf("%s\nParse(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestArithmetic(t *testing.T) {
	cases := map[string]struct {
		reason string
		a, b   v1alpha1.QuotaAmounts
		sum    v1alpha1.QuotaAmounts
		diff   v1alpha1.QuotaAmounts
	}{
		"MilliCores": {
			reason: "Millicores and whole cores add exactly.",
			a:      v1alpha1.QuotaAmounts{CPU: "1500m"},
			b:      v1alpha1.QuotaAmounts{CPU: "2"},
			sum:    v1alpha1.QuotaAmounts{CPU: "3500m", Memory: "0", Storage: "0", GPU: "0", Pods: "0", LoadBalancers: "0"},
			diff:   v1alpha1.QuotaAmounts{CPU: "-500m", Memory: "0", Storage: "0", GPU: "0", Pods: "0", LoadBalancers: "0"},
		},
		"BinaryMemory": {
			reason: "Binary suffixes add in binary form.",
			a:      v1alpha1.QuotaAmounts{Memory: "16Gi", Storage: "1Ti"},
			b:      v1alpha1.QuotaAmounts{Memory: "512Mi", Storage: "1Ti"},
			sum:    v1alpha1.QuotaAmounts{CPU: "0", Memory: "16896Mi", Storage: "2Ti", GPU: "0", Pods: "0", LoadBalancers: "0"},
			diff:   v1alpha1.QuotaAmounts{CPU: "0", Memory: "15872Mi", Storage: "0", GPU: "0", Pods: "0", LoadBalancers: "0"},
		},
		"MixedBinaryAndDecimal": {
			reason: "A decimal amount added to a binary one is exact in bytes.",
			a:      v1alpha1.QuotaAmounts{Memory: "1Gi"},
			b:      v1alpha1.QuotaAmounts{Memory: "1G"},
			sum:    v1alpha1.QuotaAmounts{CPU: "0", Memory: "2073741824", Storage: "0", GPU: "0", Pods: "0", LoadBalancers: "0"},
			diff:   v1alpha1.QuotaAmounts{CPU: "0", Memory: "73741824", Storage: "0", GPU: "0", Pods: "0", LoadBalancers: "0"},
		},
		"GPUCounts": {
			reason: "GPU and pod counts add as whole numbers.",
			a:      v1alpha1.QuotaAmounts{GPU: "2", Pods: "150", LoadBalancers: "2"},
			b:      v1alpha1.QuotaAmounts{GPU: "1", Pods: "40", LoadBalancers: "1"},
			sum:    v1alpha1.QuotaAmounts{CPU: "0", Memory: "0", Storage: "0", GPU: "3", Pods: "190", LoadBalancers: "3"},
			diff:   v1alpha1.QuotaAmounts{CPU: "0", Memory: "0", Storage: "0", GPU: "1", Pods: "110", LoadBalancers: "1"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a, b := mustParse(t, tc.a), mustParse(t, tc.b)
			before := strs(a)
			if diff := cmp.Diff(tc.sum, strs(a.Add(b))); diff != "" {
				t.Errorf("%s\nAdd(...): -want +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.diff, strs(a.Sub(b))); diff != "" {
				t.Errorf("%s\nSub(...): -want +got:\n%s", tc.reason, diff)
			}
			var acc Amounts
			acc.AddTo(a)
			acc.AddTo(b)
			if diff := cmp.Diff(tc.sum, strs(acc)); diff != "" {
				t.Errorf("%s\nAddTo(...): -want +got:\n%s", tc.reason, diff)
			}
			acc.SubFrom(b)
			if diff := cmp.Diff(0, acc[CPU].Cmp(a[CPU])+acc[Memory].Cmp(a[Memory])+acc[GPU].Cmp(a[GPU])); diff != "" {
				t.Errorf("%s\nSubFrom(...): a + b - b differs from a: %v, want %v", tc.reason, strs(acc), strs(a))
			}
			if diff := cmp.Diff(before, strs(a)); diff != "" {
				t.Errorf("%s\nAdd, Sub, AddTo and SubFrom changed their operand: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestExceeding(t *testing.T) {
	cases := map[string]struct {
		reason string
		a      v1alpha1.QuotaAmounts
		limit  v1alpha1.QuotaAmounts
		want   []Dimension
	}{
		"Fits": {
			reason: "Amounts equal to the limit fit.",
			a:      v1alpha1.QuotaAmounts{CPU: "4", Memory: "8Gi"},
			limit:  v1alpha1.QuotaAmounts{CPU: "4000m", Memory: "8192Mi"},
		},
		"ZeroQuotaAllowsZero": {
			reason: "A zero GPU quota admits a space without GPUs.",
			a:      v1alpha1.QuotaAmounts{CPU: "1"},
			limit:  v1alpha1.QuotaAmounts{CPU: "1", GPU: "0"},
		},
		"ZeroQuotaRejectsOne": {
			reason: "A zero GPU quota rejects a single GPU.",
			a:      v1alpha1.QuotaAmounts{GPU: "1"},
			limit:  v1alpha1.QuotaAmounts{GPU: "0"},
			want:   []Dimension{GPU},
		},
		"OneByteOver": {
			reason: "One byte over a binary limit is over.",
			a:      v1alpha1.QuotaAmounts{Memory: "8589934593"},
			limit:  v1alpha1.QuotaAmounts{Memory: "8Gi"},
			want:   []Dimension{Memory},
		},
		"DecimalGigabytesUnderBinary": {
			reason: "8G is less than 8Gi.",
			a:      v1alpha1.QuotaAmounts{Memory: "8G"},
			limit:  v1alpha1.QuotaAmounts{Memory: "8Gi"},
		},
		"ReportOrder": {
			reason: "Every exceeded dimension is reported, in report order.",
			a:      v1alpha1.QuotaAmounts{CPU: "5", Pods: "41", LoadBalancers: "2"},
			limit:  v1alpha1.QuotaAmounts{CPU: "4", Pods: "40", LoadBalancers: "2"},
			want:   []Dimension{CPU, Pods},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := mustParse(t, tc.a).Exceeding(mustParse(t, tc.limit))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nExceeding(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDecimal(t *testing.T) {
	cases := map[string]struct {
		reason string
		q      string
		dec    string
		gib    string
		whole  bool
	}{
		"MilliCores":   {reason: "500m is half a core.", q: "500m", dec: "0.5", gib: "0.0000000004656612873077392578125", whole: false},
		"BinaryGiB":    {reason: "16Gi is 16 GiB exactly.", q: "16Gi", dec: "17179869184", gib: "16", whole: true},
		"DecimalBytes": {reason: "500M is an exact, terminating fraction of a GiB.", q: "500M", dec: "500000000", gib: "0.46566128730773925781250", whole: true},
		"GPUCount":     {reason: "2 GPUs are whole.", q: "2", dec: "2", gib: "0.0000000018626451492309570312500", whole: true},
		"HalfGPU":      {reason: "1500m GPUs are not whole.", q: "1500m", dec: "1.5", gib: "0.00000000139698386192321777343750", whole: false},
		"Zero":         {reason: "Zero is whole and zero GiB.", q: "0", dec: "0", gib: "0", whole: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			q := resource.MustParse(tc.q)
			if got := Decimal(q); !got.Equal(decimal.RequireFromString(tc.dec)) {
				t.Errorf("%s\nDecimal(%s): want %s, got %s", tc.reason, tc.q, tc.dec, got)
			}
			if got := GiB(q); !got.Equal(decimal.RequireFromString(tc.gib)) {
				t.Errorf("%s\nGiB(%s): want %s, got %s", tc.reason, tc.q, tc.gib, got)
			}
			if got := IsWhole(q); got != tc.whole {
				t.Errorf("%s\nIsWhole(%s): want %t, got %t", tc.reason, tc.q, tc.whole, got)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"500m", "8Gi", "1Ti", "1e9", "0", "-1", "1.5", "", "four", "9223372036854775807", "1E"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(v1alpha1.QuotaAmounts{CPU: v1alpha1.Quantity(s), Memory: v1alpha1.Quantity(s)})
		if err != nil {
			return
		}
		for _, d := range []Dimension{CPU, Memory} {
			if a[d].Sign() < 0 {
				t.Fatalf("Parse(%q) gave a negative %s", s, d)
			}
		}
		// Adding and subtracting the same amount gives back the amount.
		if got := a.Add(a).Sub(a); len(got.Exceeding(a)) > 0 || len(a.Exceeding(got)) > 0 {
			t.Fatalf("Parse(%q): a+a-a = %v, want %v", s, *got.API(), *a.API())
		}
		_ = Decimal(a[CPU])
	})
}
