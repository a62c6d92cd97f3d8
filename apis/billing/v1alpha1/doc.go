// Package v1alpha1 holds the schema of the per-space spend record that the
// billing ingester writes into the cluster and that function-cloudspace-billing
// reads back as a Crossplane required resource.
//
// A record is not a custom resource: a Configuration package cannot ship
// CRDs, so each record is the data of a Crossplane EnvironmentConfig
// (apiextensions.crossplane.io/v1beta1, cluster scoped), named by RecordName
// and labelled with LabelSpace, LabelPeriod and LabelRecord. The EnvironmentConfig's
// data field holds the SpendRecord as JSON, field for field.
package v1alpha1
