"""Network models of the organisations and the compliance advisor."""
