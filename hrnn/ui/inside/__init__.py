"""The Inside the network page: the row cursor's views, what the page reads of a model once, its What if (`what_if`),
its address."""
