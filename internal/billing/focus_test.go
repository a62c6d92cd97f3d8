package billing

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// referenceFOCUS is an independent computation of the spend per space (or
// unattributed account), billing period and currency of a FOCUS CSV, with
// Python's csv, json and decimal modules, as FOCUS defines the columns:
// BilledCost and EffectiveCost summed exactly, grouped by the month of
// BillingPeriodStart (a correction counts in the period it is billed in),
// the space named by the tag cloudspace (else user:cloudspace, else
// user_cloudspace) in AllocatedTags (1.3 split cost allocation), else in
// Tags; a value that is not a lower case DNS name of at most 63 characters,
// or a key that matches only ignoring case, attributes nothing.
const referenceFOCUS = `
import csv, decimal, json, re, sys
KEYS = ["cloudspace", "user:cloudspace", "user_cloudspace"]
NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
def tag(cell):
    """(found, value) of the best key; found is None when no key matches, even ignoring case."""
    if cell in ("", "NULL"):
        return None, None
    d = json.loads(cell)
    for k in KEYS:
        if d.get(k) is not None:
            return True, d[k]
    for k in KEYS:
        if any(x.lower() == k.lower() and d[x] is not None for x in d):
            return False, None
    return None, None
sums = {}
with open(sys.argv[1], newline="") as f:
    for r in csv.DictReader(f):
        found, v = tag(r.get("AllocatedTags", ""))
        if found is None:
            found, v = tag(r["Tags"])
        space = v if found and isinstance(v, str) and len(v) <= 63 and NAME.fullmatch(v) else ""
        account = "" if space else (r.get("SubAccountId") or r.get("BillingAccountId") or "")
        key = "|".join([space, account, r["BillingPeriodStart"][:7], r["BillingCurrency"]])
        b, e = sums.get(key, (decimal.Decimal(0), decimal.Decimal(0)))
        sums[key] = (b + decimal.Decimal(r["BilledCost"]), e + decimal.Decimal(r["EffectiveCost"]))
json.dump({k: [str(b), str(e)] for k, (b, e) in sums.items()}, sys.stdout)
`

// TestFOCUSVersions reads a fixture per FOCUS version, written in the shape
// of the providers' exports (every string quoted, JSON Tags with doubled
// quotes, commitment purchases, unused commitment, taxes, credits,
// adjustments, a correction of the previous period), and checks the totals
// per space against Python's decimal module over the same file.
func TestFOCUSVersions(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the independent check of the totals needs Python's decimal module")
	}
	type want struct {
		// spaces are the attributed spaces with their billed cost in
		// 2026-11, a check of the fixture itself.
		spaces map[string]string
		absent []string
	}
	cases := map[string]struct {
		reason string
		file   string
		want   want
	}{
		"FOCUS10": {
			reason: "FOCUS 1.0: ProviderName and PublisherName, x_ columns of the AWS export.",
			file:   "testdata/focus-1.0.csv",
			want:   want{spaces: map[string]string{"team-a": "-2.208", "team-b": "13.2876789012345", "team-c": "2.5"}},
		},
		"FOCUS11": {
			reason: "FOCUS 1.1 adds capacity reservations, commitment quantities and JSON SkuPriceDetails.",
			file:   "testdata/focus-1.1.csv",
			want:   want{spaces: map[string]string{"team-a": "-2.208", "team-b": "13.6716789012345", "team-c": "2.5"}},
		},
		"FOCUS12": {
			reason: "FOCUS 1.2 adds billing account and sub account types, InvoiceId and the pricing currency columns; billed in EUR.",
			file:   "testdata/focus-1.2-eur.csv",
			want:   want{spaces: map[string]string{"team-a": "-2.208", "team-b": "13.6716789012345", "team-c": "2.5"}},
		},
		"FOCUS13": {
			reason: "FOCUS 1.3 replaces ProviderName and PublisherName with ServiceProviderName and HostProviderName and adds split cost allocation: a shared node's cost goes to the spaces its AllocatedTags name.",
			file:   "testdata/focus-1.3.csv",
			want: want{
				spaces: map[string]string{"team-a": "-1.608", "team-b": "13.6716789012345", "team-c": "2.8", "platform": "0.1"},
				absent: []string{},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.CommandContext(t.Context(), python, "-c", referenceFOCUS, tc.file)
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("python3: %v\n%s", err, stderr.String())
			}
			var ref map[string][2]string
			if err := json.Unmarshal(out, &ref); err != nil {
				t.Fatal(err)
			}
			res, err := Ingest(t.Context(), []Source{FileSource{Path: tc.file}}, Options{})
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): %v", tc.reason, err)
			}
			got := map[string][2]string{}
			spaces := map[string]string{}
			for _, r := range res.Records {
				got[r.Space+"|"+r.Account+"|"+r.Period+"|"+r.Currency] = [2]string{r.BilledCost, r.EffectiveCost}
				if r.Space != "" && r.Period == "2026-11" {
					spaces[r.Space] = r.BilledCost
				}
			}
			// Exact decimal equality, which is equality to the cent and beyond.
			equal := cmp.Comparer(func(a, b [2]string) bool {
				return decimal.RequireFromString(a[0]).Equal(decimal.RequireFromString(b[0])) &&
					decimal.RequireFromString(a[1]).Equal(decimal.RequireFromString(b[1]))
			})
			if diff := cmp.Diff(ref, got, equal); diff != "" {
				t.Errorf("\n%s\nIngest(...): -Python decimal, +got (billed, effective per space|account|period|currency):\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.spaces, spaces); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want billed per space in 2026-11, +got:\n%s", tc.reason, diff)
			}
			if tc.want.absent != nil {
				if diff := cmp.Diff(tc.want.absent, res.Files[0].MissingOptionalColumns, cmpEmpty); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want optional columns absent, +got:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

var cmpEmpty = cmp.Transformer("empty", func(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
})
