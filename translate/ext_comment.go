package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -m comment (libxt_comment.c): becomes the nft rule's comment.

var extComment = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "comment", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "comment", Type: iptparse.TypeString, Flags: mand},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			c.SetComment(commentText(x))
			return nil
		},
	},
}

func init() { registerAll(extComment) }

// commentText is the comment as iptables keeps it: at most 255 bytes
// (xt_comment_info), the rest cut off without a word.
func commentText(x *iptparse.Ext) string {
	s, _ := optString(x, "comment")
	if len(s) > 255 {
		s = s[:255]
	}
	return s
}
