// Package notify opens tickets when a CloudSpace goes wrong, exactly once,
// and resolves them when it is right again.
//
// The billing controller (function-cloudspace-billing controller --notify)
// watches XCloudSpaces and reads back the conditions the billing function
// wrote: the functions never call out, the controller does. Each team's
// EnvironmentConfig names, under data.notifications, the channels that
// serve it (Jira Cloud issues, Feishu tasks, a generic JSON webhook) and the
// Secrets with their credentials. Every channel gets a ticket of each kind
// it receives:
//
//	kind    problem (level)                                      period
//	budget  Budget BudgetAtRisk (Warning), BudgetExceeded        status.billing.period
//	        (Critical); healthy when BudgetHealthy
//	drift   CostDrift AboveEstimate or BelowEstimate (Warning);  status.billing.period
//	        healthy when WithinTolerance
//	stale   BillingDataStale Stale, or BillingDataMissing for    the clock's month
//	        any reason but NoSpendRecords (Warning); healthy
//	        when Fresh or CheckDisabled
//
// Any other reason (no billing data, no estimate, too little data) is
// Unknown: it opens, worsens and resolves nothing. A ticket tells the
// space, team, owner and environment, the condition's message, the
// figures of status.billing and the budget, the top services and resources
// of the spend record by billed cost, a link to the claim (a URL template)
// and the kubectl command that describes it.
//
// # The state machine
//
// Each ticket is one record (Decide is the machine; the rows are tested one
// by one in TestDecide):
//
//	record            what the space shows             action             record after
//	none              healthy or unknown               -                  none
//	none              warning or critical              open               open (level)
//	none              a problem, month ended           -                  none
//	open (level L)    worse than L (at risk→exceeded)  comment            open (worse level)
//	open (L)          L again, or better but a problem -                  open (L)
//	open              healthy                          resolve            resolved
//	open              unknown                          -                  open
//	open              the month ended                  resolve            resolved
//	open              the space was deleted            resolve            resolved
//	resolved          a problem again, same month      open a new ticket  open (next seq)
//	resolved          anything else                    -                  resolved
//	open or resolved  a condition older than the last  -                  as it was
//	                  one acted on (an outdated status)
//	gone              anything                         -                  gone
//	pending (op)      held by another live process     wait its lease     pending
//	pending (op)      held by us, or lease expired     redo op            per op
//
// Crossplane now and then writes a composite's status from an older copy
// for a moment, so that a space just healthy shows its old Exceeded again.
// The record keeps the last transition time of the condition its last
// operation acted on (ConditionSince); a condition that changed before
// that is outdated and changes nothing, except at the month's or the
// space's end. Times have whole seconds, so the level a ticket was
// resolved from, seen again in the very second of its resolution, is
// outdated too.
//
// A comment or resolution answered 404 (the ticket was deleted by hand)
// makes the record gone: the ticket is not recreated for the same space,
// period, kind and channel; the next period's is a new ticket. A call that
// fails after its retries leaves the record pending with its failures
// counted, raises a Warning event TicketFailed on the XCloudSpace and
// cloudspace_tickets_failed_total, and is tried again after a backoff (30s
// doubling to an hour, or the channel's Retry-After).
//
// # Exactly once
//
// The idempotency key of a ticket is its space, period, kind, channel and
// sequence number (Key). Its record is a ConfigMap in the controller's
// namespace (RecordName), one per ticket, written before every call (state
// Pending, the operation, the holder process and the time) and confirmed
// after it (the channel's ID and the new state). Every write is an update
// on the resource version the decision was made on, or a create that fails
// when the record exists: of two replicas (during a leader handover, or a
// stale read) only one writes the pending record and calls; the other gets
// a conflict and comes back. A pending record of another process is left
// alone for the lease (DefaultLease: longer than an operation's retries,
// which are cut off before it ends), so a call in flight is never repeated
// beside itself; after the lease, or after a
// restart of the same process, the operation is redone, and the channels
// make a redo harmless:
//
//   - Jira: the issue carries the key's Label and is searched for (JQL)
//     before every create (after Policy.SearchLag when the last create may
//     have taken effect, as the search index lags); comments carry a property with the note's key
//     and are looked for before being added; a resolution looks at the
//     issue's status before transitioning it.
//   - Feishu: the create has a client_token derived from the key; comments
//     end with a marker of the note's key and are looked for; a completed
//     task is not completed again.
//   - Webhook: every delivery has an Idempotency-Key, the same for every
//     retry and redo, by which the receiver drops duplicates.
//
// ConfigMaps, rather than annotations on the XCloudSpace or
// EnvironmentConfigs: the controller owns them alone (Crossplane writes the
// XR constantly, and its annotations would race with it and vanish with the
// space, whose tickets still need resolving), they are namespaced, so the
// controller's RBAC is limited to its own namespace, they survive restarts,
// and Kubernetes' optimistic concurrency on them is all the locking needed
// besides the manager's leader election. Records of resolved and gone
// tickets are deleted after Retention months.
//
// # Calls
//
// Every request has a timeout (Policy.Timeout); an operation is retried
// with exponential backoff and jitter (github.com/cenkalti/backoff/v5) for
// Policy.MaxElapsed; a 429's Retry-After (Feishu: x-ogw-ratelimit-reset,
// and its rate limit codes 99991400, 1470450, 1470451) is waited for; 5xx,
// 408 and transport errors are retried; 401 and 403 are not. The counters
// cloudspace_tickets_opened_total, _updated_total, _resolved_total and
// _failed_total (label channel: jira, feishu or webhook) and the histogram
// cloudspace_notify_request_duration_seconds (labels channel, operation)
// are on the manager's metrics endpoint.
//
// Only reconciler.go imports controller-runtime; the channels are plain Go
// on net/http, tested against the loopback servers of package notifytest.
package notify
