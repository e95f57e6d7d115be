"""Starting and running a run's worker: the worker process (`worker`) and the warm spare (`spare`), the queue of
training slots (`slots`) and a queued run's wait (`waiting`), the launchers that start workers (`launcher`: local
processes; `ray_launcher` and `ray_task`: Ray tasks) and which of them the app uses (`choice`)."""
