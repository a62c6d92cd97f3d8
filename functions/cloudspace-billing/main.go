// Command function-cloudspace-billing is the CloudSpace billing reconciler:
// a Crossplane composition function, the second step of the CloudSpace
// pipeline, that reports a space's billed spend, forecast and drift against
// its budget and the composer's estimate on the XR and its claim. The same
// binary runs the billing ingester that writes the spend records it reads
// (the ingest and controller commands).
//
// # Inputs
//
// The observed XR (spec.budget; status.estimate, preferring the estimate the
// composer desired earlier in the same reconcile), the observed composed
// resources (the tenant ResourceQuota's status.used and status.hard;
// provider resources' status.atProvider.id and arn and external names), and
// the space's spend records: EnvironmentConfigs labelled
// billing.cloudspace.dev/space=<XR name> and billing.cloudspace.dev/record=spend,
// asked for as required resources. Of those, the record of the latest
// billing period is reported.
//
// # Time
//
// Nothing in the output reads the wall clock. "Now" for the forecast and the
// drift is the end of the last charge period in the record (dataThrough):
// the burn rate from the first charge period to it is carried on to the end
// of the period, and the estimate is prorated to the same span. The same
// request therefore renders the same output, and a record renders the same
// whenever it is read.
//
// Only whether the data is stale needs a clock: data is stale when the wall
// clock is more than stalenessLimit past dataThrough. The clock is injected
// (Function.clock) and read by that judgement alone; unit tests fix it.
// Golden render cases cannot fix the clock of the served binary, so they
// either turn the check off (stalenessLimit "0", reported as CheckDisabled)
// or, in billing-stale-data, use data from 2020, stale at any clock the case
// will run at. A fresh case with the check on would be a time bomb.
//
// # Output
//
// status.billing (amounts as exact decimal strings: sums as billed, derived
// figures to the cent, percentages to a tenth) and five conditions on the XR
// and claim, always all five, so none is left behind stale: Budget
// (BudgetHealthy, BudgetAtRisk, BudgetExceeded), CostDrift, BillingDataMissing,
// BillingDataStale and CostAttribution. Results are added only when a
// condition changes status or reason against the observed XR: Warning for
// problems, Normal otherwise. The response TTL (default 15m) is how new
// spend records are noticed, since required resources are not watched. The
// desired composed resources of earlier steps pass through untouched.
package main

import (
	"github.com/alecthomas/kong"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/cloudspace-dev/cloudspace/internal/billing/cli"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// CLI of the function. Serving is the default command, so the function
// starts with the flags of the function spec alone, as Crossplane runs it.
// The same binary ingests billing exports into the spend records the
// function reads, once (ingest) or on a schedule (controller).
type CLI struct {
	Serve      ServeCmd          `cmd:"" default:"withargs" help:"Serve the composition function (the default command)."`
	Ingest     cli.IngestCmd     `cmd:"" help:"Ingest billing exports into per-space spend records, once."`
	Controller cli.ControllerCmd `cmd:"" help:"Ingest billing exports on a schedule, with leader election and metrics."`
	Report     cli.ReportCmd     `cmd:"" help:"Draw spend by day against budget and forecast, and the top services, per space or team: as text, SVG and PNG."`
}

// ServeCmd serves the composition function.
type ServeCmd struct {
	xfn.ServeFlags
}

// Run the function server.
func (c *ServeCmd) Run() error {
	return c.Serve(func(log logging.Logger) fnv1.FunctionRunnerServiceServer { return NewFunction(log) })
}

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("The CloudSpace billing reconciler, a Crossplane composition function."))
	ctx.FatalIfErrorf(ctx.Run())
}
