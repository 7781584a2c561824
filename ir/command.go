package ir

// CommandOp is an nft command in the form upstream iptables-translate
// prints ("add rule ip filter INPUT ...").
type CommandOp uint8

const (
	CmdAddTable CommandOp = iota
	CmdAddChain
	CmdAddRule
	CmdInsertRule
	CmdAddSet
	CmdAddCtHelper
	CmdFlushTable
	CmdFlushChain
	CmdDeleteChain
	CmdListTable
	// CmdUntranslated carries an iptables command nft cannot express;
	// printed as "# <command>" like upstream.
	CmdUntranslated
)

// Command is one nft command of an exact-mode translation.
type Command struct {
	Op     CommandOp
	Family Family
	Table  string
	Chain  *Chain // name (and hook, for base chains) for chain commands
	Rule   *Rule
	// Index is the 0-based nft position for "insert rule ... index N"; -1
	// when there is none.
	Index    int
	Set      *Set
	CtHelper *CtHelper
	// Text is the iptables command for CmdUntranslated.
	Text string
}
