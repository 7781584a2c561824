package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ipt2nft/ipt2nft/shim"
)

// addShimCommands adds "ipt2nft shim install|uninstall|run".
func addShimCommands(root *cobra.Command) {
	sc := &cobra.Command{
		Use:   "shim",
		Short: "The iptables shim: iptables, ip6tables, -save, -restore and ipset on nftables",
		Long: `Symlinked as iptables, ip6tables, iptables-save, ip6tables-save,
iptables-restore, ip6tables-restore or ipset, ipt2nft behaves like those
tools but keeps the rules as native nftables in the tables "ip ` + shim.TableName + `"
and "ip6 ` + shim.TableName + `". See docs/shim.md.`,
	}
	var prefix string
	var force bool
	install := &cobra.Command{
		Use:   "install --prefix DIR",
		Short: "Make the shim's symlinks in DIR (to this binary)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			if self, err = filepath.EvalSymlinks(self); err != nil {
				return err
			}
			if err := os.MkdirAll(prefix, 0o755); err != nil {
				return err
			}
			for _, t := range shim.Tools {
				p := filepath.Join(prefix, t.Name)
				if fi, err := os.Lstat(p); err == nil {
					if fi.Mode()&os.ModeSymlink == 0 && !force {
						return fmt.Errorf("%s exists and is not a symlink (use --force to replace it)", p)
					}
					if err := os.Remove(p); err != nil {
						return err
					}
				}
				if err := os.Symlink(self, p); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s -> %s\n", p, self)
			}
			return nil
		},
	}
	install.Flags().StringVar(&prefix, "prefix", "", "directory for the symlinks (e.g. /usr/local/sbin)")
	install.Flags().BoolVar(&force, "force", false, "replace files that are not symlinks")
	_ = install.MarkFlagRequired("prefix")
	uninstall := &cobra.Command{
		Use:   "uninstall --prefix DIR",
		Short: "Remove the shim's symlinks from DIR (only symlinks to ipt2nft)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, t := range shim.Tools {
				p := filepath.Join(prefix, t.Name)
				target, err := os.Readlink(p)
				if err != nil {
					continue
				}
				if filepath.Base(target) != "ipt2nft" {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s points to %s, not ipt2nft: left alone\n", p, target)
					continue
				}
				if err := os.Remove(p); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", p)
			}
			return nil
		},
	}
	uninstall.Flags().StringVar(&prefix, "prefix", "", "directory of the symlinks")
	_ = uninstall.MarkFlagRequired("prefix")
	run := &cobra.Command{
		Use:                "run NAME [ARGS...]",
		Short:              "Run a shim tool by name (iptables, ip6tables-save, ipset...) without a symlink",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("run: which tool? (iptables, ip6tables, iptables-save, ip6tables-save, iptables-restore, ip6tables-restore, ipset)")
			}
			t, ok := shim.Lookup(args[0])
			if !ok {
				return fmt.Errorf("run: %q is not a shim tool", args[0])
			}
			if code := t.Run(args[1:], shim.IO{Stdin: cmd.InOrStdin(), Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr()}); code != 0 {
				return &exitError{code}
			}
			return nil
		},
	}
	sc.AddCommand(install, uninstall, run)
	root.AddCommand(sc)
}
