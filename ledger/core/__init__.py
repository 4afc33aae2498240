"""The functional core: the writer's state, `decide(state, event) -> Decision`, the fold of a batch. No I/O."""
