package iptparse

// RenderWords is Command.RuleText without the shortcut through the line.
func RenderWords(c *Command) string { return c.renderWords() }

// TextFromLine reports whether RuleText takes c's text from its line.
func TextFromLine(c *Command) bool {
	_, ok := c.lineText()
	return ok
}
