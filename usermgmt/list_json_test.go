package usermgmt_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
)

// trickyStrings need escaping, or look as if they might: HTML characters,
// quotes, control characters, U+2028/U+2029, invalid UTF-8, accents.
var trickyStrings = []string{
	"", "plain", "Anaïs Bernard", "<script>&amp;</script>", `quote " and \ backslash`,
	"tab\tnew\nline\r\b\f\x00\x01\x1f\x7f", "line\u2028para\u2029end", "bad \xff\xfe utf-8 \xc3", "😀 emoji",
	"中文字符", "trailing\xe2\x80", "\u2027\u202a",
}

func randomString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return trickyStrings[r.IntN(len(trickyStrings))]
	}
	n := r.IntN(24)
	var b strings.Builder
	for range n {
		switch r.IntN(8) {
		case 0:
			b.WriteByte(byte(r.IntN(256)))
		case 1:
			b.WriteRune(rune(r.IntN(0x3000)))
		default:
			b.WriteByte(byte('a' + r.IntN(26)))
		}
	}
	return b.String()
}

func randomRow(r *rand.Rand) usermgmt.ListRow {
	var id uuid.UUID
	for i := range id {
		id[i] = byte(r.IntN(256))
	}
	at := func() time.Time {
		t := time.Unix(r.Int64N(4e9), r.Int64N(1e9)*int64(r.IntN(2))).UTC()
		if r.IntN(4) == 0 {
			t = t.Truncate(time.Millisecond).In(time.FixedZone("x", 3600*r.IntN(14)))
		}
		return t
	}
	return usermgmt.ListRow{
		ID: id, PictureURL: randomString(r), FirstName: randomString(r), LastName: randomString(r),
		FullName: randomString(r), Email: randomString(r), Phone: randomString(r), Masked: r.IntN(2) == 0,
		PreferredLanguage: randomString(r), Timezone: randomString(r),
		Fees: []fees.Mode{fees.Standard, fees.Customized}[r.IntN(2)], Status: usermgmt.Status(randomString(r)),
		CreatedAt: at(), UpdatedAt: at(),
		AskerBookings: r.Int64() - r.Int64(), OfferorBookings: r.Int64N(1000), Listings: -r.Int64N(1000),
	}
}

// TestListPageAppendJSON: ListPage.AppendJSON writes the bytes
// json.Marshal writes, on generated pages.
func TestListPageAppendJSON(t *testing.T) {
	// A field added to ListRow or ListPage must be added to AppendJSON:
	// the count fails first, the comparison below says where.
	if n := reflect.TypeFor[usermgmt.ListRow]().NumField(); n != 17 {
		t.Fatalf("ListRow has %d fields, AppendJSON writes 17: update it", n)
	}
	if n := reflect.TypeFor[usermgmt.ListPage]().NumField(); n != 2 {
		t.Fatalf("ListPage has %d fields, AppendJSON writes 2: update it", n)
	}
	r := rand.New(rand.NewPCG(1, 18))
	pages := []usermgmt.ListPage{{}, {Items: []usermgmt.ListRow{}}, {NextCursor: "abc<>"}}
	for range 200 {
		p := usermgmt.ListPage{NextCursor: randomString(r)}
		for range r.IntN(60) {
			p.Items = append(p.Items, randomRow(r))
		}
		pages = append(pages, p)
	}
	for i, p := range pages {
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.AppendJSON([]byte("prefix"))
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if !bytes.HasPrefix(got, []byte("prefix")) {
			t.Fatalf("page %d: the prefix was not kept", i)
		}
		if got = got[len("prefix"):]; !bytes.Equal(got, want) {
			at := 0
			for at < min(len(got), len(want)) && got[at] == want[at] {
				at++
			}
			t.Fatalf("page %d differs from json.Marshal at byte %d:\n got  …%s\n want …%s", i, at, got[max(0, at-40):min(len(got), at+40)], want[max(0, at-40):min(len(want), at+40)])
		}
	}
}

// TestListPageAppendJSONRefusesWhatMarshalRefuses: a time json.Marshal
// cannot write is an error here too, not a malformed page.
func TestListPageAppendJSONRefusesWhatMarshalRefuses(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 25*3600)),
	} {
		p := usermgmt.ListPage{Items: []usermgmt.ListRow{{CreatedAt: at, UpdatedAt: time.Now()}}}
		if _, err := json.Marshal(p); err == nil {
			t.Fatalf("json.Marshal accepts %v: the case tests nothing", at)
		}
		if b, err := p.AppendJSON(nil); err == nil {
			t.Errorf("AppendJSON wrote %s for %v, want an error as json.Marshal gives", b, at)
		}
	}
}

// FuzzListPageAppendJSON: any string, in any field, is escaped as
// json.Marshal escapes it.
func FuzzListPageAppendJSON(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, name, cursor string) {
		p := usermgmt.ListPage{NextCursor: cursor, Items: []usermgmt.ListRow{{FirstName: name, Email: name + cursor, CreatedAt: time.Unix(0, 0).UTC(), UpdatedAt: time.Unix(1, 5).UTC()}}}
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.AppendJSON(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON = %q, %v\n json.Marshal = %q", got, err, want)
		}
	})
}

// BenchmarkListPageJSON: a page of 50 users encoded by json.Marshal and
// by ListPage.AppendJSON, into an empty slice and into a slice of 32 KB
// capacity (what the reference server hands it):
//
//	go test -run '^$' -bench ListPageJSON -benchmem ./usermgmt/
func BenchmarkListPageJSON(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 50))
	var p usermgmt.ListPage
	for i := range 50 {
		row := randomRow(r)
		row.FirstName, row.LastName, row.FullName = "Anaïs", "Bernard", "Anaïs Bernard"
		row.Email, row.Phone, row.PictureURL = "anais_bernard11176@hotmail.fr", "+33724603587", "https://cdn.example.com/u/"+row.ID.String()+".jpg"
		row.PreferredLanguage, row.Timezone, row.Status = "fr", "Europe/Paris", usermgmt.StatusLive
		row.CreatedAt, row.UpdatedAt = time.Date(2021, 1, 2, 3, 4, 5, 123456000+i*1000, time.UTC), time.Date(2026, 11, 2, 3, 4, 5, 654321000, time.UTC)
		p.Items = append(p.Items, row)
	}
	p.NextCursor = "eyJrIjpbIjIwMjYtMTEtMDIifV19"
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.AppendJSON(nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON-32KB", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.AppendJSON(make([]byte, 0, 32<<10)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
