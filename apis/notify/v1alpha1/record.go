package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
)

// Labels of a ticket record ConfigMap.
const (
	// LabelManagedBy marks the ConfigMaps the controller owns, with the
	// value ManagedBy.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// LabelSpace is the name of the XCloudSpace the ticket is about.
	LabelSpace = "notify.cloudspace.dev/space"
	// LabelTeam is the space's team, whose notifications configure the
	// channel.
	LabelTeam = "notify.cloudspace.dev/team"
	// LabelPeriod is the period of the ticket, "YYYY-MM".
	LabelPeriod = "notify.cloudspace.dev/period"
	// LabelKind is the kind of ticket: budget, drift or stale.
	LabelKind = "notify.cloudspace.dev/kind"
	// LabelChannel is the name of the team's channel.
	LabelChannel = "notify.cloudspace.dev/channel"
)

// ManagedBy is the value of LabelManagedBy.
const ManagedBy = "cloudspace-notify"

// States of a ticket record.
const (
	// StatePending: an operation (RecordOp) has been or is being sent to
	// the channel and is not confirmed yet. It is redone idempotently by
	// whoever holds the record next.
	StatePending = "Pending"
	// StateOpen: the ticket is open at the channel.
	StateOpen = "Open"
	// StateResolved: the ticket was resolved.
	StateResolved = "Resolved"
	// StateGone: the ticket was deleted at the channel by hand; it is not
	// recreated for the same space, period, kind and channel.
	StateGone = "Gone"
)

// Operations of a pending record.
const (
	OpOpen    = "Open"
	OpComment = "Comment"
	OpResolve = "Resolve"
)

// Record is what the controller keeps of one ticket, as the data of a
// ConfigMap. It is written before every call to the channel (State
// Pending, the operation in Op) and confirmed after it.
type Record struct {
	// Space, Team, Period, Kind and Channel identify the ticket.
	Space   string
	Team    string
	Period  string
	Kind    string
	Channel string

	// Seq counts the tickets of the same space, period, kind and channel:
	// a problem that comes back after its ticket was resolved opens a new
	// ticket with the next Seq.
	Seq int

	// State of the ticket.
	State string

	// Op is the operation of a pending record.
	Op string

	// Level is the severity the ticket last told of: Warning or Critical.
	// For a pending Open or Comment, the severity being told.
	Level string

	// Reason of a pending or done resolution: Healthy, MonthEnded or
	// SpaceDeleted.
	Reason string

	// ExternalID and URL identify the ticket at the channel.
	ExternalID string
	URL        string

	// Holder is the controller process that wrote the pending operation,
	// and PendingSince when (RFC 3339). Another process takes a pending
	// record over only once the holder's lease has passed.
	Holder       string
	PendingSince string

	// Failures counts the consecutive failed attempts of the pending
	// operation, and LastError says why the last one failed.
	Failures  int
	LastError string

	// Updated is when the record was last written (RFC 3339).
	Updated string

	// ConditionSince is the last transition time (RFC 3339) of the
	// condition the last operation acted on. A condition that last changed
	// before it is not news: it comes from a status written from an older
	// copy of the composite, and must neither reopen a ticket just
	// resolved nor resolve one just opened.
	ConditionSince string
}

// RecordName returns the name of the ConfigMap of the ticket of a space,
// period, kind and channel: "cloudspace-ticket-" and 24 hex digits of a
// digest, so that it is valid and unique whatever the names are.
func RecordName(space, period, kind, channel string) string {
	sum := sha256.Sum256([]byte(space + "\x00" + period + "\x00" + kind + "\x00" + channel))
	return "cloudspace-ticket-" + hex.EncodeToString(sum[:])[:24]
}
