// Package failover holds the failover test of issue #19 (build tag
// failover): the reference API in-process on a pg_auto_failover formation
// whose primary is stopped under a write load.
package failover
