package notify

import (
	"fmt"
	"time"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// Level is how bad a space's state of one kind is.
type Level int

// Levels, in order of severity. Unknown is not a level of severity but the
// absence of a judgement (no billing data, no estimate, a condition not
// reported yet): it never opens, worsens or resolves a ticket.
const (
	Unknown Level = iota
	Healthy
	Warning
	Critical
)

func (l Level) String() string {
	switch l {
	case Healthy:
		return "Healthy"
	case Warning:
		return "Warning"
	case Critical:
		return "Critical"
	default:
		return "Unknown"
	}
}

// ParseLevel is the inverse of Level.String.
func ParseLevel(s string) Level {
	for _, l := range []Level{Healthy, Warning, Critical} {
		if l.String() == s {
			return l
		}
	}
	return Unknown
}

// Problem reports whether the level calls for a ticket.
func (l Level) Problem() bool { return l >= Warning }

// Observation is what the controller sees of one kind of a space.
type Observation struct {
	Kind   string
	Level  Level
	Period string
	// Reason and Message of the condition the level was read from.
	Reason  string
	Message string
	// Since is the condition's last transition time (RFC 3339), empty
	// when the composite does not say.
	Since string
}

// Resolution reasons.
const (
	ReasonHealthy      = "Healthy"
	ReasonMonthEnded   = "MonthEnded"
	ReasonSpaceDeleted = "SpaceDeleted"
)

// Action is what one step of the state machine does.
type Action struct {
	// Op is the operation to send to the channel: OpOpen, OpComment or
	// OpResolve; empty when there is nothing to do.
	Op string
	// Level to record: the level told of by an Open or a Comment.
	Level Level
	// Reason of a Resolve.
	Reason string
	// Reopen: the Open is of a new ticket after the record's was resolved
	// (the record's Seq goes up).
	Reopen bool
	// Recover: the operation is the record's pending one, redone.
	Recover bool
	// Wait: another process holds the pending record; come back after
	// this long.
	Wait time.Duration
	// Since is the last transition time of the condition the operation
	// acts on, kept in the record (ConditionSince); empty for an
	// operation the condition did not cause.
	Since string
	// Outdated: nothing to do, as the condition changed before the one the
	// record last acted on.
	Outdated bool
}

// None reports whether the action does nothing.
func (a Action) None() bool { return a.Op == "" && a.Wait == 0 }

// Step is the input of one step of the state machine for one record.
type Step struct {
	// Record is the ticket record, nil when there is none.
	Record *v1alpha1.Record
	// Observed is what the space shows now. Its period is the record's
	// (or, with no record, the ticket's that would be opened).
	Observed Observation
	// Ended: the record's period has ended (the billing month is over),
	// or the space reports a later one.
	Ended bool
	// Deleted: the space no longer exists.
	Deleted bool
	// Now, Self and Lease judge a pending record: another holder's lease
	// lasts Lease from the record's PendingSince.
	Now   time.Time
	Self  string
	Lease time.Duration
}

// Decide is the state machine of one ticket. It is pure: the same step
// gives the same action. See the package documentation for its table.
func Decide(s Step) Action {
	r := s.Record
	obs := s.Observed
	if r == nil {
		if obs.Level.Problem() && !s.Ended && !s.Deleted {
			return Action{Op: v1alpha1.OpOpen, Level: obs.Level, Since: obs.Since}
		}
		return Action{}
	}
	// A condition older than the one the record last acted on is a status
	// written from an older copy of the composite: Crossplane writes one
	// now and then, for a moment. Only the end of the month or of the
	// space is news then.
	if r.State != v1alpha1.StatePending && !s.Ended && !s.Deleted && Before(obs.Since, r.ConditionSince) {
		return Action{Outdated: true}
	}
	// Times have whole seconds: the level a ticket was resolved from, seen
	// again in the very second of the resolution, is that older copy too
	// (a real relapse within the second cannot be told from it; another
	// level in that second is news).
	if r.State == v1alpha1.StateResolved && !s.Ended && !s.Deleted && obs.Since != "" && obs.Since == r.ConditionSince && obs.Level == ParseLevel(r.Level) {
		return Action{Outdated: true}
	}
	switch r.State {
	case v1alpha1.StatePending:
		if r.Holder != s.Self {
			since, err := time.Parse(time.RFC3339, r.PendingSince)
			if err == nil {
				if left := since.Add(s.Lease).Sub(s.Now); left > 0 {
					return Action{Wait: left}
				}
			}
		}
		return Action{Op: r.Op, Level: ParseLevel(r.Level), Reason: r.Reason, Recover: true}
	case v1alpha1.StateOpen:
		switch {
		case s.Deleted:
			return Action{Op: v1alpha1.OpResolve, Reason: ReasonSpaceDeleted}
		case s.Ended:
			return Action{Op: v1alpha1.OpResolve, Reason: ReasonMonthEnded}
		case obs.Level == Healthy:
			return Action{Op: v1alpha1.OpResolve, Reason: ReasonHealthy, Since: obs.Since}
		case obs.Level.Problem() && obs.Level > ParseLevel(r.Level):
			return Action{Op: v1alpha1.OpComment, Level: obs.Level, Since: obs.Since}
		}
		return Action{}
	case v1alpha1.StateResolved:
		if obs.Level.Problem() && !s.Ended && !s.Deleted {
			return Action{Op: v1alpha1.OpOpen, Level: obs.Level, Reopen: true, Since: obs.Since}
		}
		return Action{}
	default: // StateGone, or a state this version does not know: leave it be.
		return Action{}
	}
}

// Before reports whether the RFC 3339 time a is before b; false when
// either is empty or unreadable, so that a composite or record that does
// not say is taken as news.
func Before(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339, a)
	tb, errB := time.Parse(time.RFC3339, b)
	return errA == nil && errB == nil && ta.Before(tb)
}

// Pending returns the record as written before the action's call: the
// operation, its level and reason, held by self since now. r is nil for a
// new ticket.
func Pending(r *v1alpha1.Record, a Action, id Identity, self string, now time.Time) *v1alpha1.Record {
	p := &v1alpha1.Record{Space: id.Space, Team: id.Team, Period: id.Period, Kind: id.Kind, Channel: id.Channel, Seq: 1}
	if r != nil {
		c := *r
		p = &c
	}
	if a.Reopen {
		p.Seq++
		p.ExternalID, p.URL, p.Reason = "", "", ""
	}
	p.State, p.Op = v1alpha1.StatePending, a.Op
	switch a.Op {
	case v1alpha1.OpOpen, v1alpha1.OpComment:
		p.Level = a.Level.String()
	case v1alpha1.OpResolve:
		p.Reason = a.Reason
	}
	if !a.Recover {
		p.Failures, p.LastError = 0, ""
	}
	if a.Since != "" {
		p.ConditionSince = a.Since
	}
	p.Holder, p.PendingSince = self, now.UTC().Format(time.RFC3339)
	p.Updated = p.PendingSince
	return p
}

// Outcome is how a channel call ended.
type Outcome int

// Outcomes.
const (
	Done Outcome = iota
	Gone
	Failed
)

// Confirm returns the record after the pending operation of p ended with
// o. ref is the ticket the channel reported, for an Open; cause says why a
// call failed.
func Confirm(p *v1alpha1.Record, o Outcome, ref Ref, cause error, now time.Time) *v1alpha1.Record {
	c := *p
	c.Updated = now.UTC().Format(time.RFC3339)
	switch o {
	case Done:
		switch p.Op {
		case v1alpha1.OpOpen:
			c.State, c.ExternalID, c.URL = v1alpha1.StateOpen, ref.ID, ref.URL
		case v1alpha1.OpComment:
			c.State = v1alpha1.StateOpen
		case v1alpha1.OpResolve:
			c.State = v1alpha1.StateResolved
		}
		c.Op, c.Holder, c.PendingSince, c.Failures, c.LastError = "", "", "", 0, ""
	case Gone:
		c.State, c.Op, c.Holder, c.PendingSince, c.Failures = v1alpha1.StateGone, "", "", "", 0
		c.LastError = fmt.Sprintf("the ticket was deleted at the channel: %v", cause)
	case Failed:
		c.Failures++
		c.LastError = cause.Error()
	}
	return &c
}

// Identity names one ticket record.
type Identity struct {
	Space, Team, Period, Kind, Channel string
}

// Key is the idempotency key of the record's ticket: the same for every
// attempt, retry and process, and different for every space, period, kind,
// channel and sequence number.
func Key(r *v1alpha1.Record) string {
	return fmt.Sprintf("cloudspace/%s/%s/%s/%s/%d", r.Space, r.Period, r.Kind, r.Channel, r.Seq)
}
