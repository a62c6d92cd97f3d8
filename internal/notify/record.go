package notify

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// Keys of a ticket record ConfigMap's data.
const (
	keySpace        = "space"
	keyTeam         = "team"
	keyPeriod       = "period"
	keyKind         = "kind"
	keyChannel      = "channel"
	keySeq          = "seq"
	keyState        = "state"
	keyOp           = "op"
	keyLevel        = "level"
	keyReason       = "reason"
	keyExternalID   = "externalId"
	keyURL          = "url"
	keyHolder       = "holder"
	keyPendingSince = "pendingSince"
	keyFailures     = "failures"
	keyLastError    = "lastError"
	keyUpdated      = "updated"
	keySince        = "conditionSince"
)

// RecordLabels returns the labels of a record's ConfigMap. Values that
// are not valid label values (a team or space name too long) are left out;
// the data has them all.
func RecordLabels(r *v1alpha1.Record) map[string]string {
	l := map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedBy}
	for k, v := range map[string]string{
		v1alpha1.LabelSpace: r.Space, v1alpha1.LabelTeam: r.Team, v1alpha1.LabelPeriod: r.Period,
		v1alpha1.LabelKind: r.Kind, v1alpha1.LabelChannel: r.Channel,
	} {
		if billingv1alpha1.IsLabelValue(v) {
			l[k] = v
		}
	}
	return l
}

// RecordObject returns the ConfigMap of a record in namespace ns. Its
// resource version is the caller's to set.
func RecordObject(ns string, r *v1alpha1.Record) *corev1.ConfigMap {
	data := map[string]string{
		keySpace: r.Space, keyTeam: r.Team, keyPeriod: r.Period, keyKind: r.Kind, keyChannel: r.Channel,
		keySeq: strconv.Itoa(r.Seq), keyState: r.State, keyOp: r.Op, keyLevel: r.Level, keyReason: r.Reason,
		keyExternalID: r.ExternalID, keyURL: r.URL, keyHolder: r.Holder, keyPendingSince: r.PendingSince,
		keyFailures: strconv.Itoa(r.Failures), keyLastError: r.LastError, keyUpdated: r.Updated,
		keySince: r.ConditionSince,
	}
	for k, v := range data {
		if v == "" {
			delete(data, k)
		}
	}
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Name: v1alpha1.RecordName(r.Space, r.Period, r.Kind, r.Channel), Namespace: ns, Labels: RecordLabels(r),
		},
		Data: data,
	}
}

// RecordFrom reads a record from its ConfigMap.
func RecordFrom(cm *corev1.ConfigMap) (*v1alpha1.Record, error) {
	d := cm.Data
	r := &v1alpha1.Record{
		Space: d[keySpace], Team: d[keyTeam], Period: d[keyPeriod], Kind: d[keyKind], Channel: d[keyChannel],
		State: d[keyState], Op: d[keyOp], Level: d[keyLevel], Reason: d[keyReason], ExternalID: d[keyExternalID],
		URL: d[keyURL], Holder: d[keyHolder], PendingSince: d[keyPendingSince], LastError: d[keyLastError], Updated: d[keyUpdated],
		ConditionSince: d[keySince],
	}
	var err error
	if r.Seq, err = atoi(d[keySeq], 1); err != nil {
		return nil, fmt.Errorf("cannot read ticket record %q: %s: %w", cm.Name, keySeq, err)
	}
	if r.Failures, err = atoi(d[keyFailures], 0); err != nil {
		return nil, fmt.Errorf("cannot read ticket record %q: %s: %w", cm.Name, keyFailures, err)
	}
	if r.Space == "" || r.Period == "" || r.Kind == "" || r.Channel == "" || r.State == "" {
		return nil, fmt.Errorf("cannot read ticket record %q: space, period, kind, channel and state are required", cm.Name)
	}
	return r, nil
}

func atoi(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}
