// Package v1alpha1 holds the schema of budget notifications: the
// notifications section of a team's EnvironmentConfig, which names the
// channels (Jira, Feishu, a webhook) that serve the team, and the ticket
// record the billing controller keeps for every ticket it opens.
//
// Neither is a custom resource. The notification policy is data of a
// Crossplane EnvironmentConfig (cluster scoped, labelled with the team, as
// the team quota is); a ticket record is a ConfigMap in the controller's
// namespace, named by RecordName and labelled with LabelManagedBy,
// LabelSpace, LabelTeam, LabelPeriod, LabelKind and LabelChannel.
package v1alpha1
