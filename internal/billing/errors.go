package billing

import (
	"fmt"
	"strings"
)

// A RowError is one bad row: where it is and what is wrong with it.
type RowError struct {
	// File is the URI of the file.
	File string
	// Line is the 1-based line of a CSV row, 0 for Parquet.
	Line int64
	// RowGroup and Row locate a Parquet row, both 0-based; RowGroup is -1
	// for CSV.
	RowGroup int
	Row      int64
	// Column is the name of the bad column, empty when the whole row is bad.
	Column string
	// Message says what is wrong.
	Message string
}

func (e *RowError) Error() string {
	return fmt.Sprintf("cannot read %s: %s", e.Where(), e.Message)
}

// Where returns the file and line, or file, row group and row, of the error.
func (e *RowError) Where() string {
	if e.RowGroup >= 0 {
		return fmt.Sprintf("%q row group %d row %d", e.File, e.RowGroup, e.Row)
	}
	return fmt.Sprintf("%q line %d", e.File, e.Line)
}

// A FileError rejects a whole file: it changes nothing in the cluster.
type FileError struct {
	// File is the URI of the file.
	File string
	// Rows are the bad rows found, at most max errors plus one, sorted.
	Rows []*RowError
	// BadRows is how many bad rows were found before reading stopped.
	BadRows int64
	// MaxErrors is how many bad rows were tolerated.
	MaxErrors int64
	// Err is an error that stopped reading the file, such as a missing
	// column, a truncated gzip stream or corrupt Parquet.
	Err error
}

func (e *FileError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("cannot ingest %q: %v", e.File, e.Err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cannot ingest %q: %d bad rows, more than --max-errors=%d", e.File, e.BadRows, e.MaxErrors)
	for i, r := range e.Rows {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Rows)-i)
			break
		}
		b.WriteString("; ")
		b.WriteString(r.Error())
	}
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }
