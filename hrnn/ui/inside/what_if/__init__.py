"""Inside the network's "What if?": its section (`section`), its controls and state, its figures, the row picker."""
