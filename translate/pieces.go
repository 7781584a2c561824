package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Survey is what AddPieces needs to know of a file before it reads it
// a piece at a time: what AddText finds in the whole text first.
type Survey struct {
	// Format is the file's (iptparse.DetectFormat): AddPieces reads
	// save files only.
	Format iptparse.Format
	// Family is the file's family, detected if it was FamilyAny.
	Family iptparse.Family
	// Streams is StreamsCommands of the text.
	Streams bool
	// chainDecls counts the lines that start with ':' after the first
	// (strings.Count(text, "\n:")): they size the layout's maps.
	chainDecls int
	// pieces is how many pieces were surveyed, and lastNL whether the
	// one before ended with a line end: for chainDecls.
	pieces int
	lastNL bool
	// formatKnown: a line told the format (DetectFormat's first line
	// that is neither blank nor a comment).
	formatKnown bool
	// noChains: chainDecls is not counted (NewSurvey).
	noChains bool
}

// SurveyText is the Survey of a whole text, fam being the family asked
// for (FamilyAny: detected).
func SurveyText(src string, fam iptparse.Family) Survey {
	return surveyText(src, fam, surveyBlock)
}

// surveyBlock is how much of a text SurveyText looks at a time. Its
// looks for chain declarations and for "--add-set" and "--del-set" are
// three passes over the text; made on a block at a time, while it is in
// the cache, they read a big text from memory once: in the mixed
// 1,000,000-rule dump (72 MB) they took 27 ms of CPU instead of 41, 12
// times the 100,000-rule dump's instead of 18.
const surveyBlock = 256 << 10

// surveyText is SurveyText looking at pieces of about block bytes at a
// time (see Add), each ending at a line end but the last.
func surveyText(src string, fam iptparse.Family, block int) Survey {
	s := Survey{Format: iptparse.FormatSave, Streams: true}
	for rest := src; rest != ""; {
		n := len(rest)
		if n > block {
			if i := strings.LastIndexByte(rest[:block], '\n'); i >= 0 {
				n = i + 1
			} else if i := strings.IndexByte(rest[block:], '\n'); i >= 0 {
				n = block + i + 1
			}
		}
		s.Add(rest[:n])
		rest = rest[n:]
	}
	s.Family = fam
	if fam == iptparse.FamilyAny {
		s.Family = iptparse.DetectFamily(src)
	}
	return s
}

// NewSurvey starts the Survey of a text read in pieces (see Add) of the
// family fam, which must be known (not FamilyAny: that needs the whole
// text, see SurveyText). exact: the survey is for an exact-mode
// Translator, which has no layout to size: the chain declarations are
// not counted (a look at each line of the file, 2 % of the mixed
// 1,000,000-rule dump's translation).
func NewSurvey(fam iptparse.Family, exact bool) Survey {
	return Survey{Format: iptparse.FormatSave, Family: fam, Streams: true, noChains: exact}
}

// Add surveys the next piece of a text, each piece but the last ending
// at a line end: the survey of all the pieces is SurveyText's of their
// text.
func (s *Survey) Add(piece string) {
	if piece == "" {
		return
	}
	if !s.formatKnown {
		s.Format, s.formatKnown = iptparse.DetectFormatOf(piece)
	}
	// "--add-set" and "--del-set" have no line end: none runs from a
	// piece into the next.
	s.Streams = s.Streams && StreamsCommands(piece)
	if !s.noChains {
		s.chainDecls += strings.Count(piece, "\n:")
		if s.pieces > 0 && s.lastNL && piece[0] == ':' {
			s.chainDecls++
		}
	}
	s.pieces++
	s.lastNL = piece[len(piece)-1] == '\n'
}

// AddPieces is AddText of a file read a piece at a time (next returns
// the pieces, each ending at a line end but the last), which sv
// surveyed (NewSurvey and Add, or SurveyText). A save file translated in
// memory reused from rule to rule (in normal mode, and in exact mode
// when the commands are handed on as translated: ReusesMemory) is then
// never held whole, nor a piece once its rules are translated: in
// normal mode the strings the ruleset and the run's state keep are
// copies (keep, keepText), as one substring kept would keep its whole
// piece (TestPiecesNotKept). A string missed costs memory, never
// correctness: pieces are never written again. Any other file is joined
// and given to AddText.
func (t *Translator) AddPieces(name string, next func() (string, bool), sv Survey) {
	if !sv.Streams {
		// Held from the start, read whole or not: the survey found
		// what AddText would look for at the first set declaration.
		defer t.holdCommands()()
	}
	if sv.Format != iptparse.FormatSave || t.opt.Exact && (t.opt.EmitCommand == nil || !sv.Streams || t.hold) || t.opt.SeeItem != nil {
		var b strings.Builder
		for p, ok := next(); ok; p, ok = next() {
			b.WriteString(p)
		}
		t.AddText(name, b.String(), sv.Family)
		return
	}
	start := t.beginFile
	if t.opt.Exact {
		t.reuse = true
		defer func() { t.reuse = false }()
		if t.opt.BeforeReuse != nil {
			t.opt.BeforeReuse()
		}
	} else {
		t.kept = map[string]string{}
		defer func() { t.kept, t.recent = nil, [len(t.recent)]string{} }()
		start = func(f *iptparse.File) {
			t.beginFile(f)
			t.native.reserve(f.Family, sv.chainDecls)
		}
	}
	t.fileWarnings(iptparse.ParsePiecesReuse(name, next, Registry{}, sv.Family, start, t.addItem))
}
