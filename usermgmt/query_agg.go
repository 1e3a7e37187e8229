package usermgmt

import (
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

// jsonList returns the SQL of a subquery that yields, as a JSON array of
// strings, column col of the rows of table whose fk equals the outer
// query's ?TableAlias.id, sorted. It lets one statement read a row with
// its join-table values (roles, languages) on both dialects; the only
// dialect difference of the package's reads lives here.
func jsonList(db bun.IDB, col, table, fk string) string {
	if d, _ := sqldb.DialectOf(db); d == sqldb.Postgres {
		return fmt.Sprintf("COALESCE((SELECT json_agg(j.%[1]s ORDER BY j.%[1]s) FROM %[2]s AS j WHERE j.%[3]s = ?TableAlias.id), '[]')", col, table, fk)
	}
	return fmt.Sprintf("COALESCE((SELECT json_group_array(%[1]s) FROM (SELECT j.%[1]s FROM %[2]s AS j WHERE j.%[3]s = ?TableAlias.id ORDER BY j.%[1]s)), '[]')", col, table, fk)
}

// decodeList decodes what jsonList yields into a slice of T.
func decodeList[T ~string](raw string) ([]T, error) {
	out := []T{}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("usermgmt: decode list: %w", err)
	}
	return out, nil
}
