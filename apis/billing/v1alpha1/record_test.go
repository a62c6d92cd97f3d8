package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestRecordName(t *testing.T) {
	long := strings.Repeat("a", 300)
	type want struct {
		name  string
		valid bool
	}
	cases := map[string]struct {
		reason string
		r      SpendRecord
		want   want
	}{
		"Space": {
			reason: "A space record is named spend-<space>-<period>.",
			r:      SpendRecord{Space: "team-a", Period: "2026-11"},
			want:   want{name: "spend-team-a-2026-11", valid: true},
		},
		"Unattributed": {
			reason: "An unattributed record is named after its account.",
			r:      SpendRecord{Account: "222222222222", Period: "2026-11"},
			want:   want{name: "unattributed-222222222222-2026-11", valid: true},
		},
		"UnattributedNoAccount": {
			reason: "An unattributed record without account uses none.",
			r:      SpendRecord{Period: "2026-11"},
			want:   want{name: "unattributed-none-2026-11", valid: true},
		},
		"InvalidAccount": {
			reason: "An account that is not a DNS label is sanitised and suffixed with a digest.",
			r:      SpendRecord{Account: "Acct/42", Period: "2026-11"},
			want:   want{name: "unattributed-acct-42-" + shortDigest("Acct/42") + "-2026-11", valid: true},
		},
		"TooLong": {
			reason: "A name longer than 253 characters is truncated and suffixed with a digest.",
			r:      SpendRecord{Account: long, Period: "2026-11"},
			want:   want{name: "unattributed-" + long[:253-len("unattributed-")-len(shortDigest(long))-len("-2026-11")-1] + "-" + shortDigest(long) + "-2026-11", valid: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tc.r.Name()
			if diff := cmp.Diff(tc.want.name, got); diff != "" {
				t.Errorf("\n%s\nName(): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.valid, isDNSSubdomain(got)); diff != "" {
				t.Errorf("\n%s\nisDNSSubdomain(Name()): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func shortDigest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:10]
}

func TestLabels(t *testing.T) {
	cases := map[string]struct {
		reason string
		r      SpendRecord
		want   map[string]string
	}{
		"Space": {
			reason: "A space record carries space, period and record labels.",
			r:      SpendRecord{Space: "team-a", Period: "2026-11"},
			want:   map[string]string{LabelSpace: "team-a", LabelPeriod: "2026-11", LabelRecord: RecordSpend},
		},
		"Unattributed": {
			reason: "An unattributed record carries the account when it is a valid label value.",
			r:      SpendRecord{Account: "222222222222", Period: "2026-11"},
			want:   map[string]string{LabelAccount: "222222222222", LabelPeriod: "2026-11", LabelRecord: RecordUnattributed},
		},
		"UnattributedInvalidAccount": {
			reason: "An account that is no label value is left out of the labels.",
			r:      SpendRecord{Account: "a/b", Period: "2026-11"},
			want:   map[string]string{LabelPeriod: "2026-11", LabelRecord: RecordUnattributed},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.r.Labels()); diff != "" {
				t.Errorf("\n%s\nLabels(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIsSpaceName(t *testing.T) {
	cases := map[string]struct {
		reason string
		s      string
		want   bool
	}{
		"Valid":      {reason: "A lower case DNS label is a space name.", s: "team-a", want: true},
		"Dots":       {reason: "Dots are allowed in both.", s: "team.a", want: true},
		"Upper":      {reason: "An XR name is lower case.", s: "Team-A", want: false},
		"Underscore": {reason: "An XR name has no underscore.", s: "team_a", want: false},
		"Empty":      {reason: "Empty is no name.", s: "", want: false},
		"TooLong":    {reason: "A label value has at most 63 characters.", s: strings.Repeat("a", 64), want: false},
		"Dash":       {reason: "A name must start with an alphanumeric.", s: "-a", want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, IsSpaceName(tc.s)); diff != "" {
				t.Errorf("\n%s\nIsSpaceName(%q): -want, +got:\n%s", tc.reason, tc.s, diff)
			}
		})
	}
}

func TestDataRoundTrip(t *testing.T) {
	r := SpendRecord{
		Space: "team-a", Period: "2026-11", Currency: "USD", BilledCost: "1.5", EffectiveCost: "1", ListCost: "2", Rows: 3,
		CostByService: []ServiceCost{{Service: "EC2", BilledCost: "1.5", EffectiveCost: "1"}},
		Sources:       []Source{{URI: "s3://b/k", Format: "focus", SHA256: "ab"}},
	}
	d, err := r.Data()
	if err != nil {
		t.Fatal(err)
	}
	if d["billedCost"] != "1.5" {
		t.Errorf("Data(): want billedCost 1.5 as a JSON string, got %#v", d["billedCost"])
	}
	got, err := FromData(d)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&r, got); diff != "" {
		t.Errorf("FromData(Data()): -want, +got:\n%s", diff)
	}
}

func TestIsDNSSubdomainMatchesKubernetes(t *testing.T) {
	for _, s := range []string{"a", "a-b", "a.b", "a..b", ".a", "a.", "-a", "a-", "A", "a_b", "a.-b", "a-.b", "0", strings.Repeat("a", 253), strings.Repeat("a", 254), "", "spend-team-a-2026-11", "a.b-c.d"} {
		want := len(validation.IsDNS1123Subdomain(s)) == 0
		if got := isDNSSubdomain(s); got != want {
			t.Errorf("isDNSSubdomain(%q): want %t as Kubernetes says, got %t", s, want, got)
		}
	}
}

func TestNameInScope(t *testing.T) {
	long := strings.Repeat("a", 300)
	type args struct {
		r     SpendRecord
		scope string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   string
	}{
		"SpendDefault": {
			reason: "A spend record of the default scope keeps its name.",
			args:   args{r: SpendRecord{Space: "team-a", Period: "2026-11"}, scope: DefaultScope},
			want:   "spend-team-a-2026-11",
		},
		"SpendOtherScope": {
			reason: "A spend record has one name whatever the scope: two scopes must not both hold one.",
			args:   args{r: SpendRecord{Space: "team-a", Period: "2026-11"}, scope: "payer-b"},
			want:   "spend-team-a-2026-11",
		},
		"UnattributedDefault": {
			reason: "An unattributed record of the default scope keeps its name.",
			args:   args{r: SpendRecord{Account: "222", Period: "2026-11"}, scope: DefaultScope},
			want:   "unattributed-222-2026-11",
		},
		"UnattributedEmptyScope": {
			reason: "No scope is the default scope.",
			args:   args{r: SpendRecord{Account: "222", Period: "2026-11"}},
			want:   "unattributed-222-2026-11",
		},
		"UnattributedOtherScope": {
			reason: "An unattributed record of another scope is suffixed with the scope.",
			args:   args{r: SpendRecord{Account: "222", Period: "2026-11"}, scope: "payer-b"},
			want:   "unattributed-222-2026-11.payer-b",
		},
		"NoAccountOtherScope": {
			reason: "Spend without account is account none in every scope.",
			args:   args{r: SpendRecord{Period: "2026-11"}, scope: "payer-b"},
			want:   "unattributed-none-2026-11.payer-b",
		},
		"TooLongOtherScope": {
			reason: "A scoped name that would be too long is truncated before the digest, keeping period and scope.",
			args:   args{r: SpendRecord{Account: long, Period: "2026-11"}, scope: "payer-b"},
			want:   "unattributed-" + long[:253-len("unattributed-")-len(shortDigest(long))-len("-2026-11.payer-b")-1] + "-" + shortDigest(long) + "-2026-11.payer-b",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tc.args.r.NameInScope(tc.args.scope)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nNameInScope(%q): -want, +got:\n%s", tc.reason, tc.args.scope, diff)
			}
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Errorf("\n%s\nNameInScope(%q) = %q is no object name: %v", tc.reason, tc.args.scope, got, errs)
			}
		})
	}
}

func TestIsScopeNameMatchesKubernetes(t *testing.T) {
	for _, s := range []string{"default", "payer-b", "a", "0", "a.b", "A", "a_b", "-a", "a-", "", strings.Repeat("a", 63), strings.Repeat("a", 64)} {
		want := len(validation.IsDNS1123Label(s)) == 0
		if got := IsScopeName(s); got != want {
			t.Errorf("IsScopeName(%q): want %t as Kubernetes says of a DNS label, got %t", s, want, got)
		}
	}
}
