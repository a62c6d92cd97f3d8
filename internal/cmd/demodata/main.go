// Command demodata writes the required resources of make demo: the example
// space's spend record, made by the billing ingester from a FOCUS export of
// the billing month up to today, and the team quota. The data is dated
// relative to the clock, so that the demo never shows BillingDataStale by
// accident: the export runs from the first of the month to today 00:00 UTC
// (on the first of a month, the whole of the month before).
//
//	go run ./internal/cmd/demodata -o _output/demo-required.yaml
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"sigs.k8s.io/yaml"

	"github.com/cloudspace-dev/cloudspace/internal/billing"
)

func main() {
	space := flag.String("space", "checkout-7x9kq", "the XCloudSpace the charges are tagged with")
	quota := flag.String("quota", "examples/team-quota.yaml", "the team quota EnvironmentConfig to append")
	now := flag.String("now", "", "the clock, RFC 3339; default the wall clock")
	out := flag.String("o", "", "the file to write; default standard output")
	flag.Parse()
	if err := run(*space, *quota, *now, *out); err != nil {
		fmt.Fprintln(os.Stderr, "demodata:", err)
		os.Exit(1)
	}
}

func run(space, quota, now, out string) error {
	clock := time.Now().UTC()
	if now != "" {
		t, err := time.Parse(time.RFC3339, now)
		if err != nil {
			return fmt.Errorf("cannot read -now %q: want RFC 3339 (2026-12-02T10:00:00Z): %w", now, err)
		}
		clock = t.UTC()
	}
	doc, err := Required(context.Background(), space, quota, clock)
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(doc)
		return err
	}
	return os.WriteFile(out, doc, 0o644) //nolint:gosec // The demo's input, read by crossplane render.
}

// Span returns the days the export covers at now: from the first of the
// month to today 00:00 UTC, or the whole previous month on the first.
func Span(now time.Time) (from, to time.Time) {
	to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	from = time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
	if from.Equal(to) {
		from = from.AddDate(0, -1, 0)
	}
	return from, to
}

// The example space's charges: an EC2 instance every hour, its KMS key and
// S3 bucket once a day. Billed and effective cost differ for the instance,
// which a Savings Plan covers in part.
var charges = []struct {
	service, resource, billed, effective string
	hourly                               bool
}{
	{"Amazon Elastic Compute Cloud", "i-0f3c9a1b2d4e5f607", "0.3680", "0.3496", true},
	{"AWS Key Management Service", "arn:aws:kms:eu-west-1:222222222222:key/checkout", "0.0333", "0.0333", false},
	{"Amazon Simple Storage Service", "cloudspace-payments-%s", "0.0167", "0.0167", false},
}

// Export returns a FOCUS export of the space's charges in [from, to),
// shaped as real ones are: every string quoted, JSON tags with doubled
// quotes.
func Export(space string, from, to time.Time) []byte {
	const ts = "2006-01-02T15:04:05Z"
	var b bytes.Buffer
	b.WriteString(`"BilledCost","BillingAccountId","BillingCurrency","BillingPeriodEnd","BillingPeriodStart","ChargeCategory","ChargePeriodEnd","ChargePeriodStart","ContractedCost","EffectiveCost","ListCost","ProviderName","ResourceId","ServiceName","SubAccountId","Tags"` + "\n")
	periodStart := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	periodEnd := periodStart.AddDate(0, 1, 0)
	tags := fmt.Sprintf(`"{""cloudspace"":""%s"",""team"":""payments""}"`, space)
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		for _, c := range charges {
			step, n := 24*time.Hour, 1
			if c.hourly {
				step, n = time.Hour, 24
			}
			resource := c.resource
			if strings.Contains(resource, "%s") {
				resource = fmt.Sprintf(resource, space)
			}
			for i := range n {
				start := day.Add(time.Duration(i) * step)
				list := decimal.RequireFromString(c.billed).Mul(decimal.RequireFromString("1.05")).StringFixed(4)
				fmt.Fprintf(&b, "%s,\"111111111111\",\"USD\",\"%s\",\"%s\",\"Usage\",\"%s\",\"%s\",%s,%s,%s,\"AWS\",\"%s\",\"%s\",\"222222222222\",%s\n",
					c.billed, periodEnd.Format(ts), periodStart.Format(ts), start.Add(step).Format(ts), start.Format(ts),
					list, c.effective, list, resource, c.service, tags)
			}
		}
	}
	return b.Bytes()
}

// Required returns the required resources of the demo at now: the spend
// record the ingester makes of Export, and the team quota file.
func Required(ctx context.Context, space, quota string, now time.Time) ([]byte, error) {
	q, err := os.ReadFile(quota)
	if err != nil {
		return nil, fmt.Errorf("cannot read the team quota: %w", err)
	}
	from, to := Span(now)
	dir, err := os.MkdirTemp("", "demodata")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	export := filepath.Join(dir, "focus-"+from.Format("2006-01")+".csv")
	if err := os.WriteFile(export, Export(space, from, to), 0o600); err != nil {
		return nil, fmt.Errorf("cannot write the export: %w", err)
	}
	res, err := billing.Ingest(ctx, []billing.Source{billing.FileSource{Path: export}}, billing.Options{Format: billing.FormatFOCUS})
	if err != nil {
		return nil, fmt.Errorf("cannot ingest the export: %w", err)
	}
	if len(res.Records) != 1 {
		return nil, errors.New("the export must give one spend record")
	}
	r := res.Records[0]
	// The record names the export by a path that lives only during this
	// run; name it as an export bucket would hold it.
	for i := range r.Sources {
		r.Sources[i].URI = "s3://billing-exports/focus/" + from.Format("2006-01") + "/part-00000.csv"
	}
	u, err := billing.Object(&r)
	if err != nil {
		return nil, fmt.Errorf("cannot make the spend record's EnvironmentConfig: %w", err)
	}
	y, err := yaml.Marshal(u.Object)
	if err != nil {
		return nil, fmt.Errorf("cannot write the spend record: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Required resources for make demo, written by internal/cmd/demodata at %s:\n", now.Format(time.RFC3339))
	fmt.Fprintf(&b, "# the spend record the billing ingester makes of a FOCUS export of %s from %s\n", space, from.Format("2006-01-02"))
	fmt.Fprintf(&b, "# to %s, and %s.\n", to.Format("2006-01-02"), quota)
	b.Write(y)
	b.WriteString("---\n")
	b.Write(q)
	return b.Bytes(), nil
}
