package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateTime(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		// upstream's libxt_time.txlate, without -p icmp --icmp-type and REJECT
		{"-A INPUT -m time --weekdays Sa,Su -j DROP", "add rule ip filter INPUT meta day { 6, 0 } counter drop", "meta day { 6, 0 } counter drop"},
		{"-A INPUT -m time --timestart 12:00 -j DROP", `add rule ip filter INPUT meta hour "12:00:00"-"23:59:59" counter drop`, "meta hour 43200-86399 counter drop"},
		{"-A INPUT -m time --timestop 12:00 -j DROP", `add rule ip filter INPUT meta hour "00:00:00"-"12:00:00" counter drop`, "meta hour 0-43200 counter drop"},
		{"-A INPUT -m time --datestart 2021 -j DROP", `add rule ip filter INPUT meta time "2021-01-01 00:00:00"-"2038-01-19 03:14:07" counter drop`, "meta time >= 1609459200 counter drop"},
		{"-A INPUT -m time --datestop 2021 -j DROP", `add rule ip filter INPUT meta time "1970-01-01 00:00:00"-"2021-01-01 00:00:00" counter drop`, "meta time < 1609459201 counter drop"},
		{"-A INPUT -m time --datestop 2021-01-29T00:00:00 -j DROP", `add rule ip filter INPUT meta time "1970-01-01 00:00:00"-"2021-01-29 00:00:00" counter drop`, ""},
		{"-A INPUT -m time --datestart 2020-01-29T00:00:00 --timestart 12:00 -j DROP",
			`add rule ip filter INPUT meta time "2020-01-29 00:00:00"-"2038-01-19 03:14:07" meta hour "12:00:00"-"23:59:59" counter drop`,
			"meta time >= 1580256000 meta hour 43200-86399 counter drop"},
		{"-A INPUT -m time --datestart 2020-01-29T00:00:00 --timestart 12:00 --timestop 19:00 --weekdays Mon,Tue,Wed,Thu,Fri -j DROP",
			`add rule ip filter INPUT meta time "2020-01-29 00:00:00"-"2038-01-19 03:14:07" meta hour "12:00:00"-"19:00:00" meta day { 1, 2, 3, 4, 5 } counter drop`,
			"meta time >= 1580256000 meta hour 43200-68400 meta day { 1, 2, 3, 4, 5 } counter drop"},
		{"-A INPUT -m time --datestart 2020-01-29T00:00:00 --timestart 12:00 --timestop 19:00 ! --weekdays Mon,Tue,Wed,Thu,Fri -j DROP",
			`add rule ip filter INPUT meta time "2020-01-29 00:00:00"-"2038-01-19 03:14:07" meta hour "12:00:00"-"19:00:00" meta day { 6, 0 } counter drop`,
			"meta time >= 1580256000 meta hour 43200-68400 meta day { 6, 0 } counter drop"},
		// Around midnight; equal bounds match all day in the kernel.
		{"-A INPUT -m time --timestart 22:00 --timestop 02:00:30", `add rule ip filter INPUT meta hour "22:00:00"-"02:00:30" counter`, "meta hour != 7231-79199 counter"},
		{"-A INPUT -m time --timestart 10:00 --timestop 10:00 --weekdays 3", "add rule ip filter INPUT meta day 3 counter", "meta day 3 counter"},
		{"-A INPUT -m time --timestart 10:00 --timestop 09:59:59", `add rule ip filter INPUT meta hour "10:00:00"-"09:59:59" counter`, "counter"},
		{"-A INPUT -m time --timestart 23:00 --timestop 01:00 --contiguous", `add rule ip filter INPUT meta hour "23:00:00"-"01:00:00" counter`, "meta hour != 3601-82799 counter"},
		{"-A INPUT -m time --timestart 23:00 --timestop 01:00 --weekdays Fr --contiguous", "!--contiguous", "!--contiguous"},
		{"-A INPUT -m time --timestart 12:00 --timestop 13:00 --kerneltz", `add rule ip filter INPUT meta hour "12:00:00"-"13:00:00" counter`, `meta hour "12:00:00"-"13:00:00" counter`},
		{"-A INPUT -m time --datestart 2022-02-03T04:05:06 --datestop 2023 --localtz", "", `meta time >= "2022-02-03 04:05:06" meta time < "2023-01-01 00:00:01" counter`},
		{"-A INPUT -m time --monthdays 1,15", "!day-of-month", "!day-of-month"},
		{"-A INPUT -m time --datestart 1970 --datestop 2038-01-19T03:14:07", "add rule ip filter INPUT counter", "meta time < 2147483648 counter"},
		{"-A INPUT -m time ! --weekdays 1,2,3,4,5,6,7", "!never match", "!never match"},
		// Errors.
		{"-A FORWARD -p tcp -m time --timestart 06:59 --timestop 23:59 --days Sun,Mon -j DROP", `!unknown option "--days"`, `!unknown option "--days"`},
		{"-A INPUT -m time --timestart 24:00", "!invalid time", "!invalid time"},
		{"-A INPUT -m time --timestart 12", "!invalid time", "!invalid time"},
		{"-A INPUT -m time --datestart 1969", "!Invalid date", "!Invalid date"},
		{"-A INPUT -m time --datestart 2021-13", "!Invalid date", "!Invalid date"},
		{"-A INPUT -m time --weekdays Mo,Xy", "!Xy is not a valid day specifier", "!not a valid day"},
		{"-A INPUT -m time --weekdays 0", "!does NOT begin with Sunday", "!Sunday"},
		{"-A INPUT -m time --monthdays 32", "!not a valid day for --monthdays", "!--monthdays"},
		{"-A INPUT -m time --timestart 01:00 --timestop 02:00 --contiguous", "!--contiguous only makes sense", "!--contiguous only makes sense"},
		{"-A INPUT -m time --utc --kerneltz", "!cannot be used together", "!cannot be used together"},
	})
	tr, _ := translateAll(t, iptparse.FamilyIPv4, "-A INPUT -m time --weekdays Sa,Su -j DROP")
	if !diagsContain(tr, DiagWarning, "kernel time zone") {
		t.Errorf("no warning about meta day's time zone: %v", tr.Diags())
	}
	nftLoads(t, iptparse.FamilyIPv4,
		"-A INPUT -m time --datestart 2020-01-29T00:00:00 --datestop 2030 --timestart 12:00 --timestop 19:00 ! --weekdays Mon,Tue,Wed,Thu,Fri -j DROP",
		"-A INPUT -m time --timestart 22:00 --timestop 02:00:30",
		"-A INPUT -m time --timestart 12:00 --timestop 13:00 --kerneltz --datestart 2022",
		"-A INPUT -m time --weekdays Wed")
}
