package notify

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

var (
	t0   = time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	self = "replica-a"
)

func rec(state, op, level string, mut ...func(*v1alpha1.Record)) *v1alpha1.Record {
	r := &v1alpha1.Record{Space: "checkout-x1", Team: "payments", Period: "2026-12", Kind: v1alpha1.KindBudget, Channel: "jira", Seq: 1, State: state, Op: op, Level: level, ExternalID: "PAY-1"}
	for _, m := range mut {
		m(r)
	}
	return r
}

func heldBy(holder string, since time.Time) func(*v1alpha1.Record) {
	return func(r *v1alpha1.Record) { r.Holder, r.PendingSince = holder, since.Format(time.RFC3339) }
}

func obs(kind string, l Level) Observation {
	return Observation{Kind: kind, Level: l, Period: "2026-12"}
}

// since sets the transition time of an observation's condition.
func since(o Observation, at string) Observation {
	o.Since = at
	return o
}

// actedOn sets the transition time of the condition a record last acted on.
func actedOn(at string) func(*v1alpha1.Record) {
	return func(r *v1alpha1.Record) { r.ConditionSince = at }
}

// TestDecide covers every transition of the state machine: the table of
// the package documentation, row by row.
func TestDecide(t *testing.T) {
	type args struct {
		record  *v1alpha1.Record
		obs     Observation
		ended   bool
		deleted bool
	}
	cases := map[string]struct {
		reason string
		args   args
		want   Action
	}{
		// No record.
		"NoneHealthy":   {"A healthy space needs no ticket.", args{obs: obs(v1alpha1.KindBudget, Healthy)}, Action{}},
		"NoneUnknown":   {"No judgement (no billing data) opens nothing.", args{obs: obs(v1alpha1.KindBudget, Unknown)}, Action{}},
		"HealthyAtRisk": {"A budget at risk opens a ticket.", args{obs: obs(v1alpha1.KindBudget, Warning)}, Action{Op: v1alpha1.OpOpen, Level: Warning}},
		"HealthyExceeded": {"A budget exceeded at once opens a critical ticket.",
			args{obs: obs(v1alpha1.KindBudget, Critical)}, Action{Op: v1alpha1.OpOpen, Level: Critical}},
		"NoneDrift": {"Cost out of tolerance opens a ticket.", args{obs: obs(v1alpha1.KindDrift, Warning)}, Action{Op: v1alpha1.OpOpen, Level: Warning}},
		"NoneStale": {"Stale billing data opens a ticket.", args{obs: obs(v1alpha1.KindStale, Warning)}, Action{Op: v1alpha1.OpOpen, Level: Warning}},
		"NoneProblemMonthEnded": {"Nothing is opened for a billing month that is over.",
			args{obs: obs(v1alpha1.KindBudget, Critical), ended: true}, Action{}},
		"NoneDeleted": {"Nothing is opened for a deleted space.", args{obs: obs(v1alpha1.KindBudget, Critical), deleted: true}, Action{}},

		// An open ticket.
		"AtRiskToExceeded": {"A worse state comments on the ticket.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning"), obs: obs(v1alpha1.KindBudget, Critical)}, Action{Op: v1alpha1.OpComment, Level: Critical}},
		"AtRiskSeenTwice": {"The same state seen again (a duplicate delivery) does nothing.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning"), obs: obs(v1alpha1.KindBudget, Warning)}, Action{}},
		"ExceededSeenTwice": {"The same critical state seen again does nothing.",
			args{record: rec(v1alpha1.StateOpen, "", "Critical"), obs: obs(v1alpha1.KindBudget, Critical)}, Action{}},
		"ExceededToAtRisk": {"A better but still bad state does not comment.",
			args{record: rec(v1alpha1.StateOpen, "", "Critical"), obs: obs(v1alpha1.KindBudget, Warning)}, Action{}},
		"ExceededToHealthy": {"A healthy state resolves the ticket.",
			args{record: rec(v1alpha1.StateOpen, "", "Critical"), obs: obs(v1alpha1.KindBudget, Healthy)}, Action{Op: v1alpha1.OpResolve, Reason: ReasonHealthy}},
		"AtRiskToHealthy": {"A healthy state resolves an at-risk ticket too.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning"), obs: obs(v1alpha1.KindBudget, Healthy)}, Action{Op: v1alpha1.OpResolve, Reason: ReasonHealthy}},
		"OpenUnknown": {"No judgement leaves the ticket open.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning"), obs: obs(v1alpha1.KindBudget, Unknown)}, Action{}},
		"DriftBackInTolerance": {"Drift back within tolerance resolves.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning", func(r *v1alpha1.Record) { r.Kind = v1alpha1.KindDrift }), obs: obs(v1alpha1.KindDrift, Healthy)},
			Action{Op: v1alpha1.OpResolve, Reason: ReasonHealthy}},
		"StaleFreshAgain": {"Fresh data resolves a stale ticket.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning", func(r *v1alpha1.Record) { r.Kind = v1alpha1.KindStale }), obs: obs(v1alpha1.KindStale, Healthy)},
			Action{Op: v1alpha1.OpResolve, Reason: ReasonHealthy}},
		"MonthEnd": {"The end of the billing month resolves, whatever the state.",
			args{record: rec(v1alpha1.StateOpen, "", "Critical"), obs: obs(v1alpha1.KindBudget, Critical), ended: true}, Action{Op: v1alpha1.OpResolve, Reason: ReasonMonthEnded}},
		"SpaceDeleted": {"A deleted space's ticket is resolved.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning"), obs: obs(v1alpha1.KindBudget, Unknown), deleted: true}, Action{Op: v1alpha1.OpResolve, Reason: ReasonSpaceDeleted}},

		// A resolved ticket.
		"ResolvedHealthy": {"A resolved ticket stays resolved while healthy.",
			args{record: rec(v1alpha1.StateResolved, "", "Critical"), obs: obs(v1alpha1.KindBudget, Healthy)}, Action{}},
		"ResolvedAgainAtRisk": {"A problem that comes back opens a new ticket.",
			args{record: rec(v1alpha1.StateResolved, "", "Critical"), obs: obs(v1alpha1.KindBudget, Warning)}, Action{Op: v1alpha1.OpOpen, Level: Warning, Reopen: true}},
		"ResolvedMonthEnded": {"Nothing is reopened in a month that is over.",
			args{record: rec(v1alpha1.StateResolved, "", "Critical"), obs: obs(v1alpha1.KindBudget, Critical), ended: true}, Action{}},

		// A status written from an older copy of the composite (Crossplane
		// does, for a moment): its condition changed before the one the
		// record last acted on.
		"ResolvedOutdatedExceeded": {"An older Exceeded seen after the resolution does not reopen.",
			args{record: rec(v1alpha1.StateResolved, "", "Critical", actedOn("2026-12-02T05:25:33Z")), obs: since(obs(v1alpha1.KindBudget, Critical), "2026-12-02T05:24:33Z")}, Action{Outdated: true}},
		"ResolvedNewExceeded": {"An Exceeded that came after the resolution reopens.",
			args{record: rec(v1alpha1.StateResolved, "", "Critical", actedOn("2026-12-02T05:25:33Z")), obs: since(obs(v1alpha1.KindBudget, Critical), "2026-12-02T05:27:00Z")},
			Action{Op: v1alpha1.OpOpen, Level: Critical, Reopen: true, Since: "2026-12-02T05:27:00Z"}},
		"ResolvedSameSecondReplay": {"The level the ticket was resolved from, seen again in the second of the resolution, is an older copy: it does not reopen.",
			args{record: rec(v1alpha1.StateResolved, "", "Critical", actedOn("2026-12-02T05:25:33Z")), obs: since(obs(v1alpha1.KindBudget, Critical), "2026-12-02T05:25:33Z")}, Action{Outdated: true}},
		"ResolvedSameSecond": {"Another problem level in the second of the healthy transition is news: the times have whole seconds.",
			args{record: rec(v1alpha1.StateResolved, "", "Critical", actedOn("2026-12-02T05:25:33Z")), obs: since(obs(v1alpha1.KindBudget, Warning), "2026-12-02T05:25:33Z")},
			Action{Op: v1alpha1.OpOpen, Level: Warning, Reopen: true, Since: "2026-12-02T05:25:33Z"}},
		"OpenOutdatedHealthy": {"An older Healthy seen after the ticket opened does not resolve it.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning", actedOn("2026-12-02T05:20:00Z")), obs: since(obs(v1alpha1.KindBudget, Healthy), "2026-12-02T05:10:00Z")}, Action{Outdated: true}},
		"OpenOutdatedCritical": {"An older Critical does not comment.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning", actedOn("2026-12-02T05:20:00Z")), obs: since(obs(v1alpha1.KindBudget, Critical), "2026-12-02T05:10:00Z")}, Action{Outdated: true}},
		"OpenOutdatedMonthEnded": {"The month's end resolves, whatever the status shows.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning", actedOn("2026-12-02T05:20:00Z")), obs: since(obs(v1alpha1.KindBudget, Critical), "2026-12-02T05:10:00Z"), ended: true},
			Action{Op: v1alpha1.OpResolve, Reason: ReasonMonthEnded}},
		"OpenNoTimes": {"A record or composite without times is taken as news.",
			args{record: rec(v1alpha1.StateOpen, "", "Warning"), obs: since(obs(v1alpha1.KindBudget, Healthy), "2026-12-02T05:10:00Z")},
			Action{Op: v1alpha1.OpResolve, Reason: ReasonHealthy, Since: "2026-12-02T05:10:00Z"}},

		// A ticket deleted by hand.
		"GoneStillExceeded": {"A ticket deleted by hand is not recreated.",
			args{record: rec(v1alpha1.StateGone, "", "Warning"), obs: obs(v1alpha1.KindBudget, Critical)}, Action{}},
		"GoneHealthy": {"Nor resolved.", args{record: rec(v1alpha1.StateGone, "", "Warning"), obs: obs(v1alpha1.KindBudget, Healthy)}, Action{}},

		// A pending operation.
		"PendingOwn": {"This process's own pending operation is redone at once.",
			args{record: rec(v1alpha1.StatePending, v1alpha1.OpOpen, "Warning", heldBy(self, t0)), obs: obs(v1alpha1.KindBudget, Warning)},
			Action{Op: v1alpha1.OpOpen, Level: Warning, Recover: true}},
		"PendingOtherLeased": {"Another process's pending operation is waited for until its lease passes.",
			args{record: rec(v1alpha1.StatePending, v1alpha1.OpOpen, "Warning", heldBy("replica-b", t0.Add(-time.Minute))), obs: obs(v1alpha1.KindBudget, Warning)},
			Action{Wait: 4 * time.Minute}},
		"PendingOtherExpired": {"After a restart, the dead process's pending operation is redone, idempotently.",
			args{record: rec(v1alpha1.StatePending, v1alpha1.OpComment, "Critical", heldBy("replica-b", t0.Add(-time.Hour))), obs: obs(v1alpha1.KindBudget, Critical)},
			Action{Op: v1alpha1.OpComment, Level: Critical, Recover: true}},
		"PendingResolve": {"A pending resolution is redone with its reason, whatever the state now.",
			args{record: rec(v1alpha1.StatePending, v1alpha1.OpResolve, "Critical", heldBy("replica-b", t0.Add(-time.Hour)), func(r *v1alpha1.Record) { r.Reason = ReasonMonthEnded }), obs: obs(v1alpha1.KindBudget, Critical)},
			Action{Op: v1alpha1.OpResolve, Level: Critical, Reason: ReasonMonthEnded, Recover: true}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Decide(Step{Record: tc.args.record, Observed: tc.args.obs, Ended: tc.args.ended, Deleted: tc.args.deleted, Now: t0, Self: self, Lease: 5 * time.Minute})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nDecide(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestPendingConfirm covers the records written around a call.
func TestPendingConfirm(t *testing.T) {
	id := Identity{Space: "checkout-x1", Team: "payments", Period: "2026-12", Kind: v1alpha1.KindBudget, Channel: "jira"}
	ref := Ref{ID: "PAY-7", URL: "https://jira/browse/PAY-7"}
	type args struct {
		record  *v1alpha1.Record
		action  Action
		outcome Outcome
		cause   error
	}
	type want struct {
		pending   *v1alpha1.Record
		confirmed *v1alpha1.Record
	}
	at := t0.Format(time.RFC3339)
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"OpenDone": {
			reason: "A new ticket is written pending before the call and open after it.",
			args:   args{action: Action{Op: v1alpha1.OpOpen, Level: Warning}, outcome: Done},
			want: want{
				pending:   &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 1, State: v1alpha1.StatePending, Op: v1alpha1.OpOpen, Level: "Warning", Holder: self, PendingSince: at, Updated: at},
				confirmed: &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 1, State: v1alpha1.StateOpen, Level: "Warning", ExternalID: "PAY-7", URL: ref.URL, Updated: at},
			},
		},
		"ReopenBumpsSeq": {
			reason: "A ticket reopened after its resolution gets the next sequence number, hence a new key.",
			args:   args{record: rec(v1alpha1.StateResolved, "", "Critical", func(r *v1alpha1.Record) { r.Reason = ReasonHealthy }), action: Action{Op: v1alpha1.OpOpen, Level: Warning, Reopen: true}, outcome: Failed, cause: errTest},
			want: want{
				pending:   &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 2, State: v1alpha1.StatePending, Op: v1alpha1.OpOpen, Level: "Warning", Holder: self, PendingSince: at, Updated: at},
				confirmed: &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 2, State: v1alpha1.StatePending, Op: v1alpha1.OpOpen, Level: "Warning", Holder: self, PendingSince: at, Updated: at, Failures: 1, LastError: "boom"},
			},
		},
		"ResolveKeepsConditionTime": {
			reason: "The record keeps the transition time of the condition the operation acts on.",
			args:   args{record: rec(v1alpha1.StateOpen, "", "Critical", actedOn("2026-12-02T05:24:33Z")), action: Action{Op: v1alpha1.OpResolve, Reason: ReasonHealthy, Since: "2026-12-02T05:25:33Z"}, outcome: Done},
			want: want{
				pending:   &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 1, State: v1alpha1.StatePending, Op: v1alpha1.OpResolve, Level: "Critical", Reason: ReasonHealthy, ExternalID: "PAY-1", Holder: self, PendingSince: at, Updated: at, ConditionSince: "2026-12-02T05:25:33Z"},
				confirmed: &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 1, State: v1alpha1.StateResolved, Level: "Critical", Reason: ReasonHealthy, ExternalID: "PAY-1", Updated: at, ConditionSince: "2026-12-02T05:25:33Z"},
			},
		},
		"CommentGone": {
			reason: "A comment on a ticket deleted by hand marks the record gone.",
			args:   args{record: rec(v1alpha1.StateOpen, "", "Warning"), action: Action{Op: v1alpha1.OpComment, Level: Critical}, outcome: Gone, cause: ErrGone},
			want: want{
				pending:   &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 1, State: v1alpha1.StatePending, Op: v1alpha1.OpComment, Level: "Critical", ExternalID: "PAY-1", Holder: self, PendingSince: at, Updated: at},
				confirmed: &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 1, State: v1alpha1.StateGone, Level: "Critical", ExternalID: "PAY-1", Updated: at, LastError: "the ticket was deleted at the channel: ticket not found at the channel"},
			},
		},
		"RecoverKeepsFailures": {
			reason: "Redoing a failed operation keeps counting its failures.",
			args:   args{record: rec(v1alpha1.StatePending, v1alpha1.OpResolve, "Warning", heldBy(self, t0), func(r *v1alpha1.Record) { r.Failures, r.Reason = 2, ReasonHealthy }), action: Action{Op: v1alpha1.OpResolve, Reason: ReasonHealthy, Recover: true}, outcome: Done},
			want: want{
				pending:   &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 1, State: v1alpha1.StatePending, Op: v1alpha1.OpResolve, Level: "Warning", Reason: ReasonHealthy, ExternalID: "PAY-1", Holder: self, PendingSince: at, Updated: at, Failures: 2},
				confirmed: &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 1, State: v1alpha1.StateResolved, Level: "Warning", Reason: ReasonHealthy, ExternalID: "PAY-1", Updated: at},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := Pending(tc.args.record, tc.args.action, id, self, t0)
			if diff := cmp.Diff(tc.want.pending, p); diff != "" {
				t.Errorf("%s\nPending(): -want, +got:\n%s", tc.reason, diff)
			}
			r := ref
			if tc.args.action.Op != v1alpha1.OpOpen {
				r = Ref{}
			}
			c := Confirm(p, tc.args.outcome, r, tc.args.cause, t0)
			if diff := cmp.Diff(tc.want.confirmed, c); diff != "" {
				t.Errorf("%s\nConfirm(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

type testError string

func (e testError) Error() string { return string(e) }

var errTest error = testError("boom")
