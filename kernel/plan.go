package kernel

import "github.com/ipt2nft/ipt2nft/translate"

// DefaultOptimizer is the optimizer configuration of ipt2nft's default
// output (every pass on), as the translate command uses it.
var DefaultOptimizer = translate.OptOptions{
	Deps: true, Counters: true, LogFuse: true, Sets: true, VMaps: true, NatMaps: true,
	IPS: true, IPSPriority: translate.IPSPriorityOffset,
}
