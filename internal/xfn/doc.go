// Package xfn is the small composition framework the CloudSpace functions
// are built on, so that each function's fn.go reads the request once,
// hands typed values to its domain and writes the response, and its other
// files hold only domain logic.
//
// It offers:
//   - strict decoding of the function input (DecodeInput) and lenient,
//     typed decoding of the observed composite resource (DecodeComposite);
//   - the observed composed resources and the required resources, read in
//     place (Observed, Required), and required resources decoded in full
//     (RequiredResources); asking for required resources (Require);
//   - desired composed resources in the form the response carries them,
//     starting from what earlier steps desired (Desired), and the
//     conversion of typed objects to that form (ComposedStruct);
//   - readiness of observed composed resources (ReadyIfExists,
//     ReadyIfConditionTrue);
//   - conditions, True, False or Unknown, on the composite and claim that
//     add an event-producing result only when they change (SetConditions);
//   - typed status writes that keep what earlier steps wrote (SetStatus);
//   - serving with the flags of the function spec (ServeFlags).
//
// Test helpers live in package xfntest.
package xfn
