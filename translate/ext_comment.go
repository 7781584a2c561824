package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -m comment (libxt_comment.c): becomes the nft rule's comment.

func init() {
	Register(&Ext{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "comment", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "comment", Type: iptparse.TypeString, Flags: mand},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			s, _ := optString(x, "comment")
			// iptables keeps at most 255 bytes.
			if len(s) > 255 {
				s = s[:255]
			}
			c.SetComment(s)
			return nil
		},
	})
}
