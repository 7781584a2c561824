package ir

// Named stateful objects declared in a table.

// CounterObj is a named counter object: "counter NAME { }".
type CounterObj struct {
	Name    string
	Comment string
}

// CounterRef counts into a named counter: "counter name NAME".
type CounterRef struct {
	Name string
}

func (*CounterRef) stmt() {}
