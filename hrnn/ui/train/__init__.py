"""The Train page: its settings form, the runs training and saved, a live figure, the queue's wait, its address."""
