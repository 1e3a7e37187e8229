// Package thirdparty links a platform user to a profile in an external
// customer-relationship system (SevenRooms first), checks the health of that
// link and merges the two profiles field by field.
//
// It is not built yet; the package exists so the module's layout is the one
// the design fixes.
package thirdparty
